import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings, resolve_secret_key

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_", "DATABASE_", "SECRET_"))}


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(_env_file=None)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.effective_database_url == "sqlite+aiosqlite:///var/anlaufstelle.db"
    assert settings.timezone == "Europe/Berlin"
    assert settings.default_language == "de"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STAFF_CHAT_ID", "abc"),
        ("STAFF_CHAT_ID", "12345"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LANGUAGE", "xx"),
        ("DATABASE_URL", "mysql://x"),
        ("SECRET_KEY", "tiny-key"),
        ("TELEGRAM_API_URL", "ftp://example"),
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith(variable)
    assert "expected" in message
    assert "\n" not in message
    assert value not in message or variable != "SECRET_KEY"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("STAFF_CHAT_ID=-1001234567890\nDEFAULT_LANGUAGE=en\n")
    settings = load_settings()
    assert settings.staff_chat_id == -1001234567890
    assert settings.default_language == "en"


def test_secret_key_generated_once_with_private_mode(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, var_dir=tmp_path / "var")
    key, generated = resolve_secret_key(settings)
    assert generated and len(key) >= 32
    mode = stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode)
    assert mode == 0o600
    again, generated_again = resolve_secret_key(settings)
    assert again == key and not generated_again


def test_cli_reports_bad_setting_in_one_line_without_traceback(tmp_path: Path) -> None:
    env = {**CLEAN_ENV, "STAFF_CHAT_ID": "not-a-number", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "STAFF_CHAT_ID" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_run_without_token_starts_the_demo_and_a_busy_port_is_one_line(tmp_path: Path) -> None:
    """Without a token `run` is the local demo (tests/e2e/test_demo_state.py); its page port may be taken."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**CLEAN_ENV, "VAR_DIR": str(tmp_path / "var"), "SANDBOX_PORT": str(port)}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"port {port}" in result.stderr and "SANDBOX_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var").exists()  # nothing touched
