"""The owner's "Participants" list: who hears about a conference (people who opened its
link, groups it was posted to, e-mail invitees), paged, and removing any of them after
an OK. A removed person or group gets no more notices or reminders, their buttons and
the deep link stop working for them; a removed invitee gets a cancellation e-mail.
Screens: handlers/participants.mmd.

Every button carries the conference id, the kind of line and its id, and the page to
come back to; each press looks the conference up again as the presser's own.
"""

from __future__ import annotations

from telegram import Update

from bot.addresses import readable_address
from bot.context import BotContext
from bot.i18n import Translator
from bot.sharing import EMAIL, TELEGRAM, RosterPage
from bot.text import shorten
from bot.validation import InvalidInput
from handlers import keyboards
from handlers.common import Handler, answer_press, conference_press, pressed_data, show
from handlers.conference_log import pressed_conference
from storage.participants import RosterEntry

_NAME_IN_BUTTON = 40
_KIND_KEYS = {
    "user": "people.kind_user",
    "group": "people.kind_group",
    "email": "people.kind_email",
}


def _name(entry: RosterEntry) -> str:
    """How a line names its participant: an invitee's address in readable form."""
    if entry.kind == "email":
        return readable_address(entry.title)
    return entry.title or "—"


def _line_kind(entry: RosterEntry) -> str:
    """The letter a button carries: a Telegram chat, or an e-mail invitation."""
    return EMAIL if entry.kind == "email" else TELEGRAM


def roster_text(t: Translator, page: RosterPage) -> str:
    title = t("people.title", topic=page.conference.topic, count=page.total_items)
    if not page.entries:
        return f"{title}\n\n{t('people.empty')}"
    lines = [
        t(
            "people.line",
            number=page.first_number + index,
            name=_name(entry),
            kind=t.plain(_KIND_KEYS[entry.kind]),
        )
        for index, entry in enumerate(page.entries)
    ]
    footer = []
    if page.total_pages > 1:
        footer.append(t("people.page", page=page.number + 1, pages=page.total_pages))
    footer.append(t("people.hint"))
    return "\n\n".join([title, "\n".join(lines), "\n".join(footer)])


async def _show_list(
    update: Update, context: BotContext, conference_id: int, number: int, note: str = ""
) -> None:
    t = context.t
    page = await context.services.sharing.roster(context.current_user.id, conference_id, number)
    if page is None:
        await show(update, context, t("conference.gone"), keyboards.back_to_menu(t))
        return
    rows = [
        (
            t.plain(
                "people.button_line",
                number=page.first_number + index,
                name=shorten(_name(entry), _NAME_IN_BUTTON),
            ),
            _line_kind(entry),
            entry.ref,
        )
        for index, entry in enumerate(page.entries)
    ]
    text = roster_text(t, page)
    await show(
        update,
        context,
        f"{note}\n\n{text}" if note else text,
        keyboards.participants(t, conference_id, rows, page.number, page.total_pages),
    )


async def on_list(update: Update, context: BotContext) -> None:
    """ "Participants" on the card, page arrows, and Cancel on a removal question."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    await answer_press(update)
    data = pressed_data(update)
    await _show_list(update, context, conference.id, (data.arg_int(1) if data else None) or 0)


def _pressed_line(update: Update) -> tuple[str, int, int] | None:
    """(kind, ref, page) of a remove button; None for data we did not produce."""
    data = pressed_data(update)
    if data is None or len(data.args) != 4 or data.args[1] not in (TELEGRAM, EMAIL):
        return None
    kind = data.args[1]
    ref = data.arg_chat_id(2) if kind == TELEGRAM else data.arg_int(2)
    page = data.arg_int(3)
    if ref is None or page is None:
        return None
    return kind, ref, page


async def on_remove(update: Update, context: BotContext) -> None:
    """A line of the list: ask before removing."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    t = context.t
    line = _pressed_line(update)
    if line is None:
        await answer_press(update, t.plain("common.stale_button"))
        return
    kind, ref, page = line
    entry = await context.services.sharing.roster_entry(
        context.current_user.id, conference.id, kind, ref
    )
    if entry is None:
        await answer_press(update, t.plain("people.not_there"), alert=True)
        await _show_list(update, context, conference.id, page)
        return
    await answer_press(update)
    await show(
        update,
        context,
        t(f"people.confirm_{entry.kind}", name=_name(entry), topic=conference.topic),
        keyboards.confirm_removal(t, conference.id, kind, ref, page),
    )


async def on_remove_confirmed(update: Update, context: BotContext) -> None:
    """OK: remove, then the list again with a note; a second press finds nobody."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    t = context.t
    line = _pressed_line(update)
    if line is None:
        await answer_press(update, t.plain("common.stale_button"))
        return
    kind, ref, page = line
    owner = context.current_user
    services = context.services
    name: str | None
    if kind == TELEGRAM:
        removed = await services.sharing.remove_participant(owner.id, conference.id, ref)
        name = None if removed is None else (removed.title or "—")
    else:
        try:
            removed_email = await services.invitations.remove_invitee(owner, conference.id, ref)
        except InvalidInput:
            await answer_press(update, t.plain("conference.gone"), alert=True)
            return
        name = None if removed_email is None else readable_address(removed_email)
    if name is None:
        await answer_press(update, t.plain("people.not_there"), alert=True)
        await _show_list(update, context, conference.id, page)
        return
    await answer_press(update)
    key = "people.removed_email" if kind == EMAIL else "people.removed"
    await _show_list(update, context, conference.id, page, note=t(key, name=name))


def handlers() -> list[Handler]:
    return [
        conference_press("people", on_list),
        conference_press("rm", on_remove),
        conference_press("rmok", on_remove_confirmed),
    ]
