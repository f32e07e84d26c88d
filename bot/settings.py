"""All configuration in one object, read from the environment and `.env`.

Nothing else in the code base reads ``os.environ``: the Settings object is built once in the CLI and passed in.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.languages import LANGUAGES

TELEGRAM_API = "https://api.telegram.org"
_TOKEN_SHAPE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,64}$")

# What each variable expects, in words, for a one-line start-up error.
EXPECTED = {
    "TELEGRAM_BOT_TOKEN": "the token from @BotFather, like 123456789:AAE…",
    "TELEGRAM_API_URL": "an http(s) URL such as https://api.telegram.org",
    "STAFF_CHAT_ID": "the staff forum group's id, a negative number like -1001234567890",
    "DATABASE_URL": "an SQLAlchemy async URL, sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
    "SECRET_KEY": "at least 32 random characters (generate one with `anlaufstelle secret`)",
    "TIMEZONE": "an IANA time zone such as Europe/Berlin",
    "DEFAULT_LANGUAGE": "one of " + ", ".join(LANGUAGES),
    "STAFF_LANGUAGE": "one of " + ", ".join(LANGUAGES),
    "VAR_DIR": "a directory for the local database and the generated secret key",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "REMINDER_OFFSETS": "a list like 24h,1h (m, h or d before the appointment)",
    "BOOKING_DAYS_AHEAD": "how many days ahead young people can book, 1–90",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the admin."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API
    staff_chat_id: int | None = None
    database_url: str = ""
    secret_key: SecretStr | None = None
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    staff_language: str = "de"
    var_dir: Path = Path("var")
    log_level: str = "INFO"

    # Telegram's limits, as the sender keeps them (https://core.telegram.org/bots/faq).
    rate_per_chat_per_second: float = Field(default=1.0, gt=0)
    rate_per_chat_burst: int = Field(default=3, ge=1)
    rate_group_per_minute: int = Field(default=20, ge=1)
    rate_global_per_second: int = Field(default=30, ge=1)
    poll_timeout_seconds: int = Field(default=25, ge=0, le=50)

    # Appointments
    reminder_offsets: str = Field(default="24h,1h", pattern=r"^\s*\d+[mhd](\s*,\s*\d+[mhd])*\s*$")
    booking_days_ahead: int = Field(default=21, ge=1, le=90)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not _TOKEN_SHAPE.match(value.get_secret_value()):
            raise ValueError("malformed token")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("staff_chat_id")
    @classmethod
    def _group_id(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("a group id is negative")
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if value and not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError("unsupported database URL")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_len(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("too short")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("default_language", "staff_language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("unsupported language")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("unknown level")
        return value.upper()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'anlaufstelle.db'}"

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value raises ConfigError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        expected = EXPECTED.get(name, "a valid value")
        raise ConfigError(f"{name} is not usable ({first['msg']}): expected {expected}.") from None


def resolve_secret_key(settings: Settings) -> tuple[str, bool]:
    """The SECRET_KEY from the settings, or one kept in var/ (generated on the first run).

    Returns the key and whether it was generated just now, so the caller can say so loudly.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value(), False
    path = settings.var_dir / "secret_key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise ConfigError(f"SECRET_KEY in {path} is too short: expected {EXPECTED['SECRET_KEY']}.")
        return key, False
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    with open(path, "x", encoding="utf-8", opener=lambda p, f: _open_private(p, f)) as handle:
        handle.write(key + "\n")
    return key, True


def _open_private(path: str, flags: int) -> int:
    import os

    return os.open(path, flags, 0o600)
