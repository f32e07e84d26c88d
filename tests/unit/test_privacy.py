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
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, template, args, None)
    RedactingFilter(secrets=("s3cret-value",)).filter(record)
    text = record.getMessage()
    assert "ABCDEFGHIJ" not in text and "1001234567890" not in text
    assert "[token]" in text and "[id]" in text


def test_a_librarys_arguments_are_kept_only_when_they_are_numbers_or_short_names() -> None:
    """python-telegram-bot logs the parameters of every call, SQLAlchemy every statement's parameters."""
    template = "Calling Bot API endpoint `%s` with parameters `%s` (%d)"
    args = ("sendMessage", {"chat_id": 123456789, "text": "my secret worries"}, 7)
    record = logging.LogRecord("telegram.ext.ExtBot", logging.DEBUG, __file__, 1, template, args, None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "Calling Bot API endpoint `sendMessage` with parameters `[…]` (7)"
    rows = logging.LogRecord("sqlalchemy.engine.Engine", logging.DEBUG, __file__, 1, "Row %r", (("worries",),), None)
    RedactingFilter().filter(rows)
    assert rows.getMessage() == "Row '[…]'"


def test_a_key_list_puts_the_new_key_first_and_still_reads_and_finds_under_the_old() -> None:
    from bot.settings import ConfigError, load_settings

    old, new = "old-" + "o" * 40, "new-" + "n" * 40
    token = Keyring(old).encrypt(b"chat 42")
    ring = Keyring.from_setting(f"{new},{old}")
    assert ring.decrypt(token) == b"chat 42" and not ring.readable_with_first_key(token)
    assert ring.readable_with_first_key(ring.rotate(token))
    assert ring.user_key(42) == Keyring(new).user_key(42)
    assert ring.old_user_keys(42) == [Keyring(old).user_key(42)]
    assert ring.key_id == Keyring(new).key_id != Keyring(old).key_id
    assert load_settings(_env_file=None, secret_key=f"{new}, {old}").secret_key is not None
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(_env_file=None, secret_key=f"{new},short")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET_TOKEN"):
        load_settings(_env_file=None, webhook_secret_token="no spaces allowed")


def test_values_are_aes_gcm_and_a_changed_byte_or_another_key_is_refused() -> None:
    ring = Keyring("a" * 40)
    first, second = ring.encrypt(b"chat 42"), ring.encrypt(b"chat 42")
    assert first != second and first[:1] == b"\x02"  # a fresh nonce each time; the version byte
    assert ring.decrypt(first) == b"chat 42" and ring.readable_with_first_key(first)
    changed = first[:-1] + bytes([first[-1] ^ 1])
    for refused in (changed, first[:5], Keyring("b" * 40).encrypt(b"chat 42")):
        assert not ring.readable_with_first_key(refused)
        with pytest.raises(ValueError, match="SECRET_KEY"):
            ring.decrypt(refused)


def test_fernet_values_of_earlier_versions_are_still_read_and_rotated_to_aes_gcm() -> None:
    import base64

    from cryptography.fernet import Fernet

    from bot.privacy import _derive

    old, new = "old-" + "o" * 40, "new-" + "n" * 40
    written_by = {
        key: Fernet(base64.urlsafe_b64encode(_derive(key, b"fields v1"))).encrypt(b"chat 42") for key in (old, new)
    }
    ring = Keyring.from_setting(f"{new},{old}")
    assert ring.decrypt(written_by[old]) == ring.decrypt(written_by[new]) == b"chat 42"
    assert ring.readable_with_first_key(written_by[new]) and not ring.readable_with_first_key(written_by[old])
    rotated = ring.rotate(written_by[old])
    assert rotated[:1] == b"\x02" and Keyring(new).decrypt(rotated) == b"chat 42"
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Keyring("other-" + "x" * 40).decrypt(written_by[new])
