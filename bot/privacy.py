"""Pseudonyms, field encryption and log redaction: what keeps a young person's identity out of reach.

One SECRET_KEY is stretched (HKDF) into two independent keys: one for keyed hashes of Telegram user ids
(lookups without storing the id), one for Fernet encryption of chat ids, raw updates and outgoing payloads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anlaufstelle", info=purpose).derive(secret.encode("utf-8"))


class Keyring:
    """Keys derived from SECRET_KEY (and older keys during a rotation, newest first)."""

    def __init__(self, secret_key: str, old_keys: tuple[str, ...] = ()) -> None:
        self._pseudonym_key = _derive(secret_key, b"pseudonym v1")
        fernets = [Fernet(base64.urlsafe_b64encode(_derive(k, b"fields v1"))) for k in (secret_key, *old_keys)]
        self._fernet = MultiFernet(fernets)

    def user_key(self, telegram_user_id: int) -> str:
        """A stable pseudonym for a Telegram user: HMAC-SHA256, hex. Not reversible without the key."""
        return hmac.new(self._pseudonym_key, str(telegram_user_id).encode(), hashlib.sha256).hexdigest()

    def encrypt(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("stored value cannot be decrypted with the configured SECRET_KEY") from exc

    def encrypt_int(self, value: int) -> bytes:
        return self.encrypt(str(value).encode())

    def decrypt_int(self, token: bytes) -> int:
        return int(self.decrypt(token))

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)


# Numbers of six or more digits are chat ids, user ids or phone numbers as far as logs are concerned.
_LONG_NUMBER = re.compile(r"(?<![\w.])-?\d{6,}(?![\w.])")
_BOT_TOKEN = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{20,64}")


class RedactingFilter(logging.Filter):
    """Removes bot tokens and long numbers (ids) from every log record that passes a handler."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        text = _BOT_TOKEN.sub("[token]", text)
        return _LONG_NUMBER.sub("[id]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(level: str, secrets: tuple[str, ...] = ()) -> None:
    """Root logging with redaction on every handler; chatty libraries kept at WARNING.

    httpx logs every request URL, and the URL carries the token: it is quietened and redacted anyway.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
