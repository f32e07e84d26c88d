"""Emulator configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.limits import Limits


@dataclass
class EmulatorConfig:
    token: str = "123456:TEST-token"
    bot_username: str = "anlaufstelle_test_bot"
    bot_first_name: str = "Anlaufstelle"
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None
    # Telegram's group privacy mode: a non-admin bot sees only commands, replies to it and mentions.
    privacy_mode: bool = True
    # Webhook URLs may be plain http only for these hosts (Telegram demands https).
    http_webhook_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    # Serve the local chat page (sandbox/web) at "/" of the emulator's own port.
    web: bool = False
