import logging

import pytest

from bot.privacy import Keyring, RedactingFilter


def test_user_key_is_stable_keyed_and_not_the_id() -> None:
    ring = Keyring("a" * 40)
    assert ring.user_key(424242) == ring.user_key(424242)
    assert ring.user_key(424242) != ring.user_key(424243)
    assert ring.user_key(424242) != Keyring("b" * 40).user_key(424242)
    assert "424242" not in ring.user_key(424242)


def test_encryption_round_trip_and_rotation() -> None:
    old = Keyring("old-" + "o" * 40)
    token = old.encrypt_int(987654321)
    assert b"987654321" not in token
    rotated_ring = Keyring("new-" + "n" * 40, old_keys=("old-" + "o" * 40,))
    assert rotated_ring.decrypt_int(token) == 987654321
    new_token = rotated_ring.rotate(token)
    assert Keyring("new-" + "n" * 40).decrypt_int(new_token) == 987654321
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Keyring("other-" + "x" * 40).decrypt(token)


def test_redaction_removes_tokens_and_ids() -> None:
    template = "POST https://api/bot%s/sendMessage chat %d"
    args = ("123456:ABCDEFGHIJKLMNOPQRSTUV", -1001234567890)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, template, args, None)
    RedactingFilter(secrets=("s3cret-value",)).filter(record)
    text = record.getMessage()
    assert "ABCDEFGHIJ" not in text and "1001234567890" not in text
    assert "[token]" in text and "[id]" in text
