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

from bot.crisis_help import DEFAULT_NUMBERS, EXPECTED_NUMBERS, parse_numbers
from bot.languages import CHOICES
from bot.office_hours import parse_closed, parse_hours, parse_region

TELEGRAM_API = "https://api.telegram.org"
_TOKEN_SHAPE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,64}$")

# What each variable expects, in words, for a one-line start-up error.
EXPECTED = {
    "TELEGRAM_BOT_TOKEN": "the token from @BotFather, like 123456789:AAE…",
    "TELEGRAM_API_URL": "an http(s) URL such as https://api.telegram.org",
    "STAFF_CHAT_ID": "the staff forum group's id, a negative number like -1001234567890",
    "DATABASE_URL": "an SQLAlchemy async URL, sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
    "SECRET_KEY": "at least 32 random characters (generate one with `anlaufstelle secret`); while rotating: "
    "the new key, a comma, the old key",
    "TIMEZONE": "an IANA time zone such as Europe/Berlin",
    "DEFAULT_LANGUAGE": "one of " + ", ".join(CHOICES),
    "STAFF_LANGUAGE": "one of " + ", ".join(CHOICES),
    "VAR_DIR": "a directory for the local database and the generated secret key",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "REMINDER_OFFSETS": "a list like 24h,1h (m, h or d before the appointment)",
    "BOOKING_DAYS_AHEAD": "how many days ahead young people can book, 1–90",
    "BROADCAST_PER_SECOND": "how many bus announcements a second the bot sends at most (1 or more, default 30)",
    "DAY_NOTE_AT": "the local time of the day-before note to subscribers, HH:MM such as 18:00",
    "CRISIS_NUMBERS": EXPECTED_NUMBERS,
    "OFFICE_HOURS": "days and times like 'mon-thu 09:00-17:00; fri 09:00-14:00' (empty: no office hours)",
    "OFFICE_CLOSED": "closing days like '2026-12-24..2027-01-01, 2027-02-15'",
    "OFFICE_REGION": "a holiday region like DE-NI (Lower Saxony) or DE",
    "RETENTION_CASE_CONTENT_DAYS": "days after a case was closed until its messages and topic are deleted, 1–3650",
    "RETENTION_CONTACT_DAYS": "days without activity until a young person's data is deleted, 1–3650",
    "RETENTION_RUN_AT": "the local time of the daily deletion run, HH:MM such as 03:30",
    "SANDBOX_PORT": "a TCP port for the local demo page (0: any free port)",
    "FLOOD_BURST": "how many messages a young person may send at once before they are slowed down, 1–1000",
    "FLOOD_PER_MINUTE": "how many messages a minute reach the team from one young person after the burst",
    "FLOOD_MAX_DELAY_SECONDS": "seconds a young person's messages may be held back before they are refused",
    "INSTANCE_LEASE_SECONDS": "seconds until a crashed instance's claim on the database expires, 5–3600",
    "POLL_WATCHDOG_SECONDS": "seconds without a finished getUpdates until the poll loop is restarted",
    "WEBHOOK_LISTEN": "the address the webhook server listens on, such as 127.0.0.1 or 0.0.0.0",
    "WEBHOOK_PORT": "the TCP port the webhook server listens on",
    "WEBHOOK_SECRET_TOKEN": "1–256 characters A-Z, a-z, 0-9, _ and - (empty: derived from SECRET_KEY)",
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

    # The bus: announcements to subscribers go at most this fast (within RATE_GLOBAL_PER_SECOND as well), and the
    # day-before note ("tomorrow the bus is in …") goes at this local time.
    broadcast_per_second: int = Field(default=30, ge=1)
    day_note_at: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # Safety: the help numbers on the crisis card and in /help; office hours (empty OFFICE_HOURS: none, the team
    # is never "closed"), extra closing days, and the region whose public holidays close the office
    crisis_numbers: str = DEFAULT_NUMBERS
    office_hours: str = "mon-fri 09:00-17:00"
    office_closed: str = ""
    office_region: str = "DE-NI"

    # Retention (bot.retention): what is deleted when, every day at RETENTION_RUN_AT local time
    retention_case_content_days: int = Field(default=90, ge=1, le=3650)
    retention_contact_days: int = Field(default=180, ge=1, le=3650)
    retention_run_at: str = Field(default="03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # The local demo (`anlaufstelle run` without a token): the chat page's port on 127.0.0.1
    sandbox_port: int = Field(default=8080, ge=0, le=65535)

    # Abuse and liveness (bot.flood, bot.liveness, bot.delivery.webhook): a young person's burst and pace towards
    # the team; how long a crashed instance keeps the database; when a poll loop that receives nothing is restarted
    flood_burst: int = Field(default=10, ge=1, le=1000)
    flood_per_minute: float = Field(default=10.0, gt=0, le=600)
    flood_max_delay_seconds: int = Field(default=300, ge=0, le=86400)
    instance_lease_seconds: int = Field(default=60, ge=5, le=3600)
    poll_watchdog_seconds: int = Field(default=90, ge=2, le=3600)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None

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
        if value is not None and any(len(key) < 32 for key in secret_keys(value.get_secret_value())):
            raise ValueError("too short")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", value.get_secret_value()):
            raise ValueError("characters Telegram does not allow")
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
        if value not in CHOICES:
            raise ValueError("unsupported language")
        return value

    @field_validator("crisis_numbers")
    @classmethod
    def _numbers(cls, value: str) -> str:
        parse_numbers(value)
        return value

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        if value.strip():
            parse_hours(value)
        return value

    @field_validator("office_closed")
    @classmethod
    def _office_closed(cls, value: str) -> str:
        parse_closed(value)
        return value

    @field_validator("office_region")
    @classmethod
    def _office_region(cls, value: str) -> str:
        parse_region(value)
        return value.strip().upper()

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


def secret_keys(value: str) -> list[str]:
    """SECRET_KEY as a list: one key, or during a rotation the new key first, then the old ones, comma-separated."""
    return [key.strip() for key in value.split(",") if key.strip()] or [value]


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
