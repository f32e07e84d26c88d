"""Conversation state in our database, so a journey survives a restart and commits with its update."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import ConversationState


@dataclass(frozen=True)
class ConversationDTO:
    name: str
    state: str
    draft: dict[str, Any] = field(default_factory=dict)


# Built once (storage.base.table_of).
_BY_USER_KEY = select(ConversationState).where(ConversationState.user_key == bindparam("user_key"))


def from_row(row: Any) -> ConversationDTO:
    return ConversationDTO(name=row.name, state=row.state, draft=json.loads(row.draft))


async def load(session: AsyncSession, user_key: str) -> ConversationDTO | None:
    row = await session.scalar(_BY_USER_KEY, {"user_key": user_key})
    return None if row is None else from_row(row)


async def save(session: AsyncSession, user_key: str, conversation: ConversationDTO) -> None:
    row = await session.get(ConversationState, user_key)
    draft = json.dumps(conversation.draft, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(
            ConversationState(
                user_key=user_key,
                name=conversation.name,
                state=conversation.state,
                draft=draft,
                updated_at=utcnow(),
            )
        )
    else:
        row.name, row.state, row.draft, row.updated_at = (
            conversation.name,
            conversation.state,
            draft,
            utcnow(),
        )
    await session.flush()


async def clear(session: AsyncSession, user_key: str) -> None:
    await session.execute(delete(ConversationState).where(ConversationState.user_key == user_key))
