"""Bot API shaped objects built from the in-memory records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.models import ChatRecord, Member, UserRecord

if TYPE_CHECKING:
    from sandbox.state import State

ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories",
)  # fmt: skip
GROUP_ADMIN_RIGHTS = ("can_pin_messages", "can_manage_topics")


def chat_dict(state: State, chat: ChatRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.type == "private" and chat.user_id is not None:
        user = state.users[chat.user_id]
        data["first_name"] = user.first_name
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
    else:
        data["title"] = chat.title or ""
        if chat.is_forum:
            data["is_forum"] = True
    return data


def chat_full_info(state: State, chat: ChatRecord) -> dict[str, Any]:
    data = chat_dict(state, chat)
    data.update(
        {
            "accent_color_id": abs(chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    if chat.is_group:
        data["permissions"] = {
            "can_send_messages": True,
            "can_send_other_messages": True,
            "can_manage_topics": False,
            "can_pin_messages": False,
        }
    if chat.pinned:
        pinned = chat.messages.get(chat.pinned[-1])
        if pinned is not None:
            data["pinned_message"] = pinned.data
    return data


def member_dict(state: State, chat: ChatRecord, user: UserRecord, member: Member) -> dict[str, Any]:
    data: dict[str, Any] = {"status": member.status, "user": user.as_dict()}
    if member.status == "creator":
        data["is_anonymous"] = False
    elif member.status == "administrator":
        data["can_be_edited"] = False
        data["is_anonymous"] = False
        names = ADMIN_RIGHTS + (GROUP_ADMIN_RIGHTS if chat.type == "supergroup" else ())
        for right in names:
            data[right] = bool(member.rights.get(right, right == "can_manage_chat"))
    elif member.status == "kicked":
        data["until_date"] = 0
    elif member.status == "restricted":
        for field in state.spec.types["ChatMemberRestricted"].fields:
            if field.required and field.types == ("Boolean",):
                data[field.name] = field.name == "is_member"
        data["until_date"] = 0
    return data


def member_of(state: State, chat: ChatRecord, user_id: int) -> dict[str, Any]:
    user = state.user_of(user_id)
    if user_id == state.bot.id:
        return member_dict(state, chat, user, Member(chat.bot_status, chat.bot_rights))
    if chat.type == "private":
        status = "member" if chat.user_id == user_id else "left"
        return member_dict(state, chat, user, Member(status))
    return member_dict(state, chat, user, chat.members.get(user_id, Member("left")))


def chat_member_updated(
    state: State, chat: ChatRecord, actor: UserRecord, subject: UserRecord, old: Member, new: Member
) -> dict[str, Any]:
    return {
        "chat": chat_dict(state, chat),
        "from": actor.as_dict(),
        "date": state.now(),
        "old_chat_member": member_dict(state, chat, subject, old),
        "new_chat_member": member_dict(state, chat, subject, new),
    }
