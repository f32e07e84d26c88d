"""The long-lived things every update needs, built once at start and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Catalogs
from bot.privacy import Keyring
from bot.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    keyring: Keyring
    catalogs: Catalogs
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
