"""Chat information and membership (minimal, enough for typical bots)."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..state import ChatInfo, EmulatorState, UserInfo
from .registry import MethodContext, api_method

# Every field PTB's ChatMemberAdministrator requires, all granted.
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


def _member(state: EmulatorState, chat: ChatInfo, user: UserInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"user": user.to_api()}
    if chat.type == "private":
        if user.id == state.bot.id and chat.blocked_by_user:
            data.update(status="kicked", until_date=0)
        else:
            data["status"] = "member" if user.id in (state.bot.id, chat.id) else "left"
        return data
    if user.id == state.bot.id and not chat.bot_is_member:
        data["status"] = "left"
    elif user.id in chat.admins:
        data.update(status="administrator", **_ADMIN_RIGHTS)
    elif user.id in chat.members or user.id == state.bot.id:
        data["status"] = "member"
    else:
        data["status"] = "left"
    return data


@api_method("getChat")
def get_chat(ctx: MethodContext) -> dict[str, Any]:
    chat = ctx.state.chat(ctx.params.chat_id())
    info = chat.to_api()
    # Fields PTB's ChatFullInfo requires.
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return info


@api_method("getChatMember")
def get_chat_member(ctx: MethodContext) -> dict[str, Any]:
    state = ctx.state
    chat = state.chat(ctx.params.chat_id())
    user_id = ctx.params.get_int("user_id", required=True)
    user = state.bot if user_id == state.bot.id else state.users.get(user_id or 0)
    if user is None:
        raise bad_request("user not found")
    return _member(state, chat, user)


@api_method("getChatAdministrators")
def get_chat_administrators(ctx: MethodContext) -> list[dict[str, Any]]:
    state = ctx.state
    chat = state.chat(ctx.params.chat_id())
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = []
    for user_id in sorted(chat.admins):
        user = state.bot if user_id == state.bot.id else state.users.get(user_id)
        if user is not None:
            admins.append(_member(state, chat, user))
    return admins


@api_method("getChatMemberCount")
def get_chat_member_count(ctx: MethodContext) -> int:
    chat = ctx.state.chat(ctx.params.chat_id())
    if chat.type == "private":
        return 2
    return len(chat.members) + (1 if chat.bot_is_member else 0)


@api_method("leaveChat")
def leave_chat(ctx: MethodContext) -> bool:
    chat = ctx.state.chat(ctx.params.chat_id())
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_is_member = False
    return True
