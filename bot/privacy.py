"""Pseudonyms, field encryption and log redaction: what keeps a young person's identity out of reach.

One SECRET_KEY is stretched (HKDF) into independent keys: one for keyed hashes of Telegram user ids (lookups
without storing the id), one for the encryption of chat ids, raw updates, outgoing payloads and notes.

Values are encrypted with AES-256-GCM (cryptography's AESGCM), a random 96-bit nonce each (NIST's bound for
random nonces, 2^32 values under one key, is far beyond this bot's). They used to be Fernet tokens (AES-128-CBC
with HMAC-SHA256): those are still read, and `anlaufstelle rotate-key` rewrites them. Every message a young
person sends is encrypted twice and decrypted twice (stored update, outgoing copy); Fernet's work in Python was
about a tenth of py-spy's samples of the relay (benchmarks/), 10 and 14 µs to encrypt and decrypt an update
here, AESGCM's one call into OpenSSL 1.4 and 1.2 µs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A value: this version byte, the nonce, then AESGCM's ciphertext and tag. (A Fernet token starts with "g": its
# version byte 0x80 in base64.)
_GCM = b"\x02"
_NONCE = 12


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anlaufstelle", info=purpose).derive(secret.encode("utf-8"))


class Keyring:
    """Keys derived from SECRET_KEY (and older keys during a rotation, newest first).

    New values are always encrypted and hashed with the first key; values under an older key stay readable (and
    pseudonyms findable) until `anlaufstelle rotate-key` has re-encrypted and re-hashed them.
    """

    def __init__(self, secret_key: str, old_keys: tuple[str, ...] = ()) -> None:
        self._pseudonym_key = _derive(secret_key, b"pseudonym v1")
        self._old_pseudonym_keys = tuple(_derive(k, b"pseudonym v1") for k in old_keys)
        self._ciphers = tuple(AESGCM(_derive(k, b"fields v2")) for k in (secret_key, *old_keys))
        # Fernet, for the values written before AES-GCM (read, never written).
        self._primary = Fernet(base64.urlsafe_b64encode(_derive(secret_key, b"fields v1")))
        fernets = [Fernet(base64.urlsafe_b64encode(_derive(k, b"fields v1"))) for k in old_keys]
        self._fernet = MultiFernet([self._primary, *fernets])
        self.key_id = _derive(secret_key, b"key id v1").hex()[:12]  # names the first key, reveals nothing
        self.webhook_secret = base64.urlsafe_b64encode(_derive(secret_key, b"webhook v1")).decode().rstrip("=")

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        """SECRET_KEY as set: one key, or "new,old[,older]" during a rotation."""
        keys = [key.strip() for key in value.split(",") if key.strip()] or [value]
        return cls(keys[0], tuple(keys[1:]))

    @property
    def has_old_keys(self) -> bool:
        return bool(self._old_pseudonym_keys)

    def user_key(self, telegram_user_id: int) -> str:
        """A stable pseudonym for a Telegram user: HMAC-SHA256, hex. Not reversible without the key."""
        return hmac.new(self._pseudonym_key, str(telegram_user_id).encode(), hashlib.sha256).hexdigest()

    def old_user_keys(self, telegram_user_id: int) -> list[str]:
        """The pseudonyms the older keys made (found and re-hashed while a rotation is under way)."""
        data = str(telegram_user_id).encode()
        return [hmac.new(key, data, hashlib.sha256).hexdigest() for key in self._old_pseudonym_keys]

    def readable_with_first_key(self, token: bytes) -> bool:
        return self._open(token, self._ciphers[:1], (self._primary,)) is not None

    def encrypt(self, plain: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _GCM + nonce + self._ciphers[0].encrypt(nonce, plain, None)

    def decrypt(self, token: bytes) -> bytes:
        plain = self._open(token, self._ciphers, (self._fernet,))
        if plain is None:
            raise ValueError("stored value cannot be decrypted with the configured SECRET_KEY")
        return plain

    @staticmethod
    def _open(token: bytes, ciphers: tuple[AESGCM, ...], fernets: tuple[Fernet | MultiFernet, ...]) -> bytes | None:
        """The plain value, if one of these keys opens it; None if none does."""
        if token[:1] == _GCM:
            if len(token) < 1 + _NONCE + 16:  # (not even the tag)
                return None
            nonce, sealed = token[1 : 1 + _NONCE], token[1 + _NONCE :]
            for cipher in ciphers:
                try:
                    return cipher.decrypt(nonce, sealed, None)
                except InvalidTag:
                    continue
            return None
        for fernet in fernets:
            try:
                return fernet.decrypt(token)
            except InvalidToken:
                continue
        return None

    def encrypt_int(self, value: int) -> bytes:
        return self.encrypt(str(value).encode())

    def decrypt_int(self, token: bytes) -> int:
        return int(self.decrypt(token))

    def rotate(self, token: bytes) -> bytes:
        """The value encrypted with the first key (it may be under any listed key, or a Fernet token)."""
        plain = self._open(token, self._ciphers, (self._fernet,))
        if plain is None:
            raise ValueError("stored value cannot be decrypted with any key in SECRET_KEY")
        return self.encrypt(plain)


# Numbers of six or more digits are chat ids, user ids or phone numbers as far as logs are concerned.
_LONG_NUMBER = re.compile(r"(?<![\w.])-?\d{6,}(?![\w.])")
_BOT_TOKEN = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{20,64}")
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")  # SQLAlchemy's errors quote the statement's parameters

# Our own code logs no message text and no ids, by design. Libraries log what passes through them: PTB the
# parameters and results of every Bot API call and the updates, SQLAlchemy every statement's parameters and the
# rows it reads, aiosqlite its calls with their arguments. Their format strings are kept; of their arguments only
# numbers (redacted below when long) and short names (a method, a status) are kept, anything else becomes "[…]".
_OURS = ("bot", "handlers", "conversations", "storage", "anlaufstelle")
_PLAIN = ("alembic", "apscheduler")  # their arguments are revisions and our job names: nothing personal
_SHORT_NAME = re.compile(r"^[A-Za-z_][\w./-]{0,63}$")


def _ours(logger_name: str) -> bool:
    return logger_name.split(".", 1)[0] in (*_OURS, *_PLAIN)


def _safe_arg(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and _SHORT_NAME.match(value):
        return value
    if type(value).__name__ == "URL":  # httpx's request URL: the token in it is redacted below
        return str(value)
    return "[…]"


class RedactingFilter(logging.Filter):
    """Removes bot tokens, secrets, long numbers (ids) and the data libraries log from every record that passes a
    handler."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        text = _BOT_TOKEN.sub("[token]", text)
        text = _SQL_PARAMETERS.sub("[parameters: …]", text)
        return _LONG_NUMBER.sub("[id]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and not _ours(record.name):
            if isinstance(record.args, dict):
                record.args = {key: _safe_arg(value) for key, value in record.args.items()}
            else:
                record.args = tuple(_safe_arg(value) for value in record.args)
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(level: str, secrets: tuple[str, ...] = (), stream: IO[str] | None = None) -> logging.Handler:
    """Root logging with redaction on every handler; chatty libraries kept at WARNING (returns the handler).

    httpx logs every request URL, and the URL carries the token: it is quietened and redacted anyway. Whatever a
    library logs at any level passes the same redaction (tests/e2e/test_logs_private.py runs everything at DEBUG).
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
