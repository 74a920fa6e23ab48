"""Inline keyboards as pure functions of a translator and values: no Bot, easy to test."""

from __future__ import annotations

from babel.dates import get_day_names
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import LANGUAGES, Translator, plain
from bot.text import shorten
from handlers import callback_data as cb


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    def item(key: str, action: str) -> Button:
        return Button(t.plain(key), callback_data=cb.encode(cb.MENU, action))

    return InlineKeyboardMarkup(
        [
            [item("menu.schedule", "schedule")],
            [item("menu.start_now", "now")],
            [item("menu.log", "log")],
            [item("menu.profile", "profile"), item("menu.download", "download")],
            [item("menu.help", "help")],
        ]
    )


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[Button(t.plain("menu.main_menu"), callback_data=cb.encode(cb.MENU, "home"))]]
    )


def zone_question(
    t: Translator, current: str, offered: list[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """Under "Your time zone is ...: is that right?": Yes, a few likely zones (each
    button carries the zone's index among those that can be offered), share location,
    Cancel. `current` and the offered names are already as people read them."""

    def press(label: str, action: str, *args: int) -> Button:
        return Button(label, callback_data=cb.encode(cb.ZONE, action, *args))

    picks = [press(name, "pick", index) for index, name in offered]
    return InlineKeyboardMarkup(
        [
            [press(t.plain("zone.button_yes", zone=current), "yes")],
            *[picks[i : i + 2] for i in range(0, len(picks), 2)],
            [press(t.plain("zone.button_location"), "loc")],
            [press(t.plain("common.cancel"), "cancel")],
        ]
    )


def share_location(t: Translator) -> ReplyKeyboardMarkup:
    """The keyboard of the chat's input with the one button that sends a location
    (Telegram asks the person first); it goes away once used."""
    button = KeyboardButton(t.plain("zone.button_send_location"), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def profile_card(
    t: Translator, *, remember_name: bool, reminder: str, code_sent: bool | None = None
) -> InlineKeyboardMarkup:
    """The card's buttons; `code_sent` is None without an address waiting for its code,
    else whether a code was sent to it (the button then says "again")."""

    def edit(key: str, action: str) -> Button:
        return Button(t.plain(key), callback_data=cb.encode(cb.PROFILE, action))

    remember = "profile.remember_on" if remember_name else "profile.remember_off"
    rows = [
        [edit("profile.edit_name", "name"), edit("profile.edit_email", "email")],
        [edit("profile.edit_timezone", "tz"), edit("profile.edit_language", "lang")],
        [edit(remember, "remember")],
        [edit("profile.edit_display_name", "display")],
        [
            Button(
                t.plain("reminder.profile_button", choice=reminder),
                callback_data=cb.encode(cb.PROFILE, "remind"),
            )
        ],
    ]
    if code_sent is not None:
        rows += [list(row) for row in code_prompt(t, code_sent=code_sent).inline_keyboard]
    rows.append([edit("profile.save", "save"), edit("common.cancel", "cancel")])
    return InlineKeyboardMarkup(rows)


def code_prompt(t: Translator, *, code_sent: bool) -> InlineKeyboardMarkup:
    """While an address waits for its code: send it (again), or cancel the change."""
    send_key = "verify.button_resend" if code_sent else "verify.button_send"
    return InlineKeyboardMarkup(
        [
            [Button(t.plain(send_key), callback_data=cb.encode(cb.PROFILE, "resend"))],
            [
                Button(
                    t.plain("verify.button_drop"), callback_data=cb.encode(cb.PROFILE, "dropmail")
                )
            ],
        ]
    )


def profile_prompt(t: Translator) -> InlineKeyboardMarkup:
    """Under a "send your e-mail" prompt: back to the card without changing anything."""
    return InlineKeyboardMarkup(
        [[Button(t.plain("common.back"), callback_data=cb.encode(cb.PROFILE, "back"))]]
    )


def language_choice(prefix: str, t: Translator) -> InlineKeyboardMarkup:
    """Each language named in itself; `prefix` says whose choice it is (profile or /language)."""
    rows = [
        [Button(plain(code, "language_name"), callback_data=cb.encode(prefix, "set", code))]
        for code in LANGUAGES
    ]
    rows.append([Button(t.plain("common.cancel"), callback_data=cb.encode(prefix, "back"))])
    return InlineKeyboardMarkup(rows)


# -- conferences ---------------------------------------------------------------------


def _conf(t: Translator, key: str, action: str, conference_id: int) -> Button:
    return Button(t.plain(key), callback_data=cb.encode(cb.CONFERENCE, action, conference_id))


def back_to_log(t: Translator, kind: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(
                    t.plain("conference.button_back_to_log"),
                    callback_data=cb.encode(cb.LOG, kind, 0),
                )
            ]
        ]
    )


def conference_actions(
    t: Translator,
    conference_id: int,
    *,
    archived: bool,
    can_notify: bool = False,
    can_end: bool = False,
    can_refresh: bool = False,
) -> InlineKeyboardMarkup:
    """Under the owner's conference card: what the log offers for its list; "Notify
    participants" only when it changed and there is someone to tell (`can_notify`),
    "End now" while it runs (`can_end`), "Refresh" while an invitation is being sent."""
    back = back_to_log(t, "a" if archived else "s").inline_keyboard[0][0]
    calendar = _conf(t, "conference.button_calendar", "ics", conference_id)
    refresh = [[_conf(t, "conference.button_refresh", "refresh", conference_id)]]
    if archived:
        return InlineKeyboardMarkup(
            [
                [_conf(t, "conference.button_repeat", "repeat", conference_id), calendar],
                [_conf(t, "conference.button_delete", "del", conference_id)],
                *(refresh if can_refresh else []),
                [back],
            ]
        )
    people = [_conf(t, "people.button", "people", conference_id)]
    if can_notify:
        people.append(_conf(t, "invite.button_notify", "notify", conference_id))
    rows = [
        [_conf(t, "conference.button_join", "join", conference_id), calendar],
        *([[_conf(t, "conference.button_end", "end", conference_id)]] if can_end else []),
        [_conf(t, "invite.button_email", "invite", conference_id)],
        [
            _conf(t, "invite.button_share", "share", conference_id),
            _conf(t, "link.button_new", "relink", conference_id),
        ],
        people,
        [
            _conf(t, "conference.button_edit", "edit", conference_id),
            _conf(t, "conference.button_delete", "del", conference_id),
        ],
        *(refresh if can_refresh else []),
        [back],
    ]
    return InlineKeyboardMarkup(rows)


def confirm_end(t: Translator, conference_id: int) -> InlineKeyboardMarkup:
    """ "End now" or Cancel (back to the card)."""
    return InlineKeyboardMarkup(
        [
            [
                _conf(t, "conference.button_end", "endok", conference_id),
                _conf(t, "common.cancel", "view", conference_id),
            ]
        ]
    )


def confirm_delete(
    t: Translator, conference_id: int, *, can_notify: bool = False
) -> InlineKeyboardMarkup:
    """OK and Cancel; with participants, also "OK and notify participants"."""
    rows = []
    if can_notify:
        rows.append([_conf(t, "notify.delete_and_notify", "delnotify", conference_id)])
    rows.append(
        [
            _conf(t, "conference.button_ok", "delok", conference_id),
            _conf(t, "common.cancel", "view", conference_id),
        ]
    )
    return InlineKeyboardMarkup(rows)


def _meeting(t: Translator, key: str, action: str, conference_id: int, start: int) -> Button:
    return Button(
        t.plain(key), callback_data=cb.encode(cb.CONFERENCE, action, conference_id, start)
    )


def series_choice(
    t: Translator, conference_id: int, original_start: int, *, delete: bool
) -> InlineKeyboardMarkup:
    """Edit or Delete on a series: this meeting only, or all meetings from it on."""
    one, every = ("d1", "dall") if delete else ("e1", "eall")
    return InlineKeyboardMarkup(
        [
            [_meeting(t, "series.this_meeting", one, conference_id, original_start)],
            [_meeting(t, "series.all_meetings", every, conference_id, original_start)],
            [_conf(t, "common.cancel", "view", conference_id)],
        ]
    )


def with_meeting_pages(
    t: Translator, markup: InlineKeyboardMarkup, conference_id: int, page: int, pages: int
) -> InlineKeyboardMarkup:
    """A series' card: ◀ / ▶ through its next meetings, above its other buttons."""
    row = []
    if page > 0:
        row.append(
            Button(
                t.plain("series.button_earlier"),
                callback_data=cb.encode(cb.CONFERENCE, "meet", conference_id, page - 1),
            )
        )
    if page < pages - 1:
        row.append(
            Button(
                t.plain("series.button_later"),
                callback_data=cb.encode(cb.CONFERENCE, "meet", conference_id, page + 1),
            )
        )
    return InlineKeyboardMarkup([row, *markup.inline_keyboard])


def send_meeting_question(
    t: Translator, conference_id: int, original_start: int
) -> InlineKeyboardMarkup:
    """After one meeting changed alone, with participants: Send tells them (claimed once)."""
    return InlineKeyboardMarkup(
        [
            [
                _meeting(t, "notify.button_send", "nm", conference_id, original_start),
                _conf(t, "notify.button_dont_send", "view", conference_id),
            ]
        ]
    )


def send_update_question(t: Translator, conference_id: int) -> InlineKeyboardMarkup:
    """After Save (or Schedule on a repeat) with participants: Send is "Notify
    participants"; Don't send shows the card, which keeps its reminder and Notify."""
    return InlineKeyboardMarkup(
        [
            [
                _conf(t, "notify.button_send", "notify", conference_id),
                _conf(t, "notify.button_dont_send", "view", conference_id),
            ]
        ]
    )


def confirm_new_link(t: Translator, conference_id: int) -> InlineKeyboardMarkup:
    """ "Make a new link" or Cancel (back to the card)."""
    return InlineKeyboardMarkup(
        [
            [
                _conf(t, "link.button_confirm", "relinkok", conference_id),
                _conf(t, "common.cancel", "view", conference_id),
            ]
        ]
    )


def participants(
    t: Translator,
    conference_id: int,
    rows: list[tuple[str, str, int]],
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    """The "Participants" page: one remove button per line (label, kind, ref), page
    arrows, and back to the card. The page rides along to come back to it."""
    keyboard = [
        [
            Button(
                label,
                callback_data=cb.encode(cb.CONFERENCE, "rm", conference_id, kind, ref, page),
            )
        ]
        for label, kind, ref in rows
    ]

    def to(target: int, label: str) -> Button:
        return Button(
            label, callback_data=cb.encode(cb.CONFERENCE, "people", conference_id, target)
        )

    arrows = []
    if page > 0:
        arrows.append(to(page - 1, "◀️"))
    if page < pages - 1:
        arrows.append(to(page + 1, "▶️"))
    if arrows:
        keyboard.append(arrows)
    keyboard.append([_conf(t, "people.button_back", "view", conference_id)])
    return InlineKeyboardMarkup(keyboard)


def confirm_removal(
    t: Translator, conference_id: int, kind: str, ref: int, page: int
) -> InlineKeyboardMarkup:
    """OK removes; Cancel goes back to the same page of the list."""
    return InlineKeyboardMarkup(
        [
            [
                Button(
                    t.plain("people.button_remove"),
                    callback_data=cb.encode(cb.CONFERENCE, "rmok", conference_id, kind, ref, page),
                ),
                Button(
                    t.plain("common.cancel"),
                    callback_data=cb.encode(cb.CONFERENCE, "people", conference_id, page),
                ),
            ]
        ]
    )


def invite_card(t: Translator, deep_link: str, join_url: str | None) -> InlineKeyboardMarkup:
    """Under an invite card in a group or an inline-posted message: URL buttons only; no
    Join where the generic link does not open the room (the bot's Join does)."""
    row = [Button(t.plain("card.button_open"), url=deep_link)]
    if join_url is not None:
        row.append(Button(t.plain("card.button_join"), url=join_url))
    return InlineKeyboardMarkup([row])


def share_actions(t: Translator, conference_code: str) -> InlineKeyboardMarkup:
    """Under the share text: post the invite card to any chat through inline mode."""
    return InlineKeyboardMarkup(
        [[Button(t.plain("invite.button_share_inline"), switch_inline_query=conference_code)]]
    )


def _part(t: Translator, key: str, action: str, conference_id: int) -> Button:
    return Button(t.plain(key), callback_data=cb.encode(cb.PARTICIPANT, action, conference_id))


def participant_actions(
    t: Translator, conference_id: int, *, archived: bool, left: bool
) -> InlineKeyboardMarkup:
    """Under a participant's card: Join (while scheduled), Add to calendar and Leave;
    after leaving, only "Take part again" (while scheduled). Never the owner's buttons."""
    back = back_to_log(t, "a" if archived else "s").inline_keyboard[0][0]
    calendar = _part(t, "conference.button_calendar", "ics", conference_id)
    if left:
        rows = [] if archived else [[_part(t, "card.button_rejoin", "rejoin", conference_id)]]
    elif archived:
        rows = [[calendar], [_part(t, "card.button_leave", "leave", conference_id)]]
    else:
        rows = [
            [_part(t, "conference.button_join", "join", conference_id), calendar],
            [_part(t, "card.button_leave", "leave", conference_id)],
        ]
    return InlineKeyboardMarkup([*rows, [back]])


def confirm_leave(t: Translator, conference_id: int) -> InlineKeyboardMarkup:
    """Leave or Cancel (back to the participant's card)."""
    return InlineKeyboardMarkup(
        [
            [
                _part(t, "card.button_leave_ok", "leaveok", conference_id),
                _part(t, "common.cancel", "view", conference_id),
            ]
        ]
    )


def group_pick(
    t: Translator, owner_id: int, choices: list[tuple[str, int]]
) -> InlineKeyboardMarkup:
    """In a group: the asking owner's conferences; the owner's id rides along to check."""
    return InlineKeyboardMarkup(
        [
            [Button(label, callback_data=cb.encode(cb.GROUP, "post", conference_id, owner_id))]
            for label, conference_id in choices
        ]
    )


def conference_log(
    t: Translator, kind: str, rows: list[tuple[str, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """One button per line (label, callback data: a day's header or a conference), the
    pages ("◀️", "Page 2 of 5", "▶️"; ⏮ and ⏭ where they reach further than the
    arrows), the other list, the menu. The middle label shows the same page again."""
    keyboard = [[Button(label, callback_data=data)] for label, data in rows]

    def to(target: int, label: str) -> Button:
        return Button(label, callback_data=cb.encode(cb.LOG, kind, target))

    if pages > 1:
        arrows = []
        if page > 1:
            arrows.append(to(0, "⏮"))
        if page > 0:
            arrows.append(to(page - 1, "◀️"))
        arrows.append(to(page, t.plain("log.page", page=page + 1, pages=pages)))
        if page < pages - 1:
            arrows.append(to(page + 1, "▶️"))
        if page < pages - 2:
            arrows.append(to(pages - 1, "⏭"))
        keyboard.append(arrows)
    other, other_key = ("a", "log.tab_archive") if kind == "s" else ("s", "log.tab_scheduled")
    keyboard.append([Button(t.plain(other_key), callback_data=cb.encode(cb.LOG, other, 0))])
    keyboard.append([Button(t.plain("menu.main_menu"), callback_data=cb.encode(cb.MENU, "home"))])
    return InlineKeyboardMarkup(keyboard)


def _form(t: Translator, key: str, action: str, *args: str | int) -> Button:
    return Button(t.plain(key), callback_data=cb.encode(cb.FORM, action, *args))


def invitation_confirm(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(t.plain("invite.button_send"), callback_data=cb.encode(cb.INVITE, "send")),
                Button(t.plain("common.cancel"), callback_data=cb.encode(cb.INVITE, "cancel")),
            ]
        ]
    )


def invitation_prompt(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[Button(t.plain("common.cancel"), callback_data=cb.encode(cb.INVITE, "cancel"))]]
    )


def form_review(
    t: Translator,
    *,
    allow: bool,
    editing: bool,
    repeats: str | None = None,
    rhythm: bool | None = None,
    meeting_only: bool = False,
) -> InlineKeyboardMarkup:
    """The review card's buttons; `repeats` is the rule in words (None: never), and the
    "Repeats" button is offered when scheduling or repeating, and when editing all
    meetings of a series (`rhythm`). One meeting of a series changes its times only."""
    if meeting_only:
        return InlineKeyboardMarkup(
            [
                [
                    _form(t, "schedule.button_start", "start"),
                    _form(t, "schedule.button_end", "end"),
                ],
                [_form(t, "schedule.button_save", "save"), _form(t, "common.cancel", "cancel")],
            ]
        )
    rows = [
        [_form(t, "schedule.button_topic", "topic"), _form(t, "schedule.button_start", "start")],
        [_form(t, "schedule.button_end", "end"), _form(t, "schedule.button_password", "password")],
    ]
    if rhythm if rhythm is not None else not editing:
        label = (
            t.plain("series.button_never")
            if repeats is None
            else shorten(t.plain("series.button_repeats", rule=repeats), _REPEATS_IN_BUTTON)
        )
        rows.append([Button(label, callback_data=cb.encode(cb.FORM, "rep"))])
    if not editing:  # an ID already handed out stays; only new or repeated ones change
        rows.append([_form(t, "schedule.button_code", "code")])
    rows.append([_form(t, "schedule.allow_on" if allow else "schedule.allow_off", "allow")])
    save_key = "schedule.button_save" if editing else "schedule.button_schedule"
    rows.append([_form(t, save_key, "save"), _form(t, "common.cancel", "cancel")])
    return InlineKeyboardMarkup(rows)


_REPEATS_IN_BUTTON = 48
SERIES_PRESETS = ("daily", "weekdays", "weekly", "biweekly", "monthly_date", "monthly_day")


def form_repeat_presets(t: Translator, labels: dict[str, str]) -> InlineKeyboardMarkup:
    """ "How often does it repeat?": never, the presets (worded from the first meeting:
    `labels`), custom weekdays, Back to the review card."""
    rows = [[_form(t, "series.preset_never", "rp", "never")]]
    rows += [
        [Button(labels[preset], callback_data=cb.encode(cb.FORM, "rp", preset))]
        for preset in SERIES_PRESETS
    ]
    rows.append([_form(t, "series.preset_custom", "rp", "custom")])
    rows.append([_form(t, "common.back", "review")])
    return InlineKeyboardMarkup(rows)


def form_repeat_days(t: Translator, chosen: set[str]) -> InlineKeyboardMarkup:
    """Weekday toggles (Babel's short names, ✅ on the chosen ones), Done, Back."""
    names = get_day_names("abbreviated", locale=t.language)
    codes = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    buttons = [
        Button(
            f"✅ {names[index]}" if code in chosen else str(names[index]),
            callback_data=cb.encode(cb.FORM, "rd", code),
        )
        for index, code in enumerate(codes)
    ]
    return InlineKeyboardMarkup(
        [
            buttons[:4],
            buttons[4:],
            [_form(t, "series.button_done", "rdone"), _form(t, "common.back", "review")],
        ]
    )


def form_repeat_end(t: Translator) -> InlineKeyboardMarkup:
    """When the series ends: never, after N meetings, on a date; Back."""
    return InlineKeyboardMarkup(
        [
            [_form(t, "series.end_never", "re", "none")],
            [_form(t, "series.end_after", "re", "count")],
            [_form(t, "series.end_on_date", "re", "until")],
            [_form(t, "common.back", "review")],
        ]
    )


def form_discard(t: Translator) -> InlineKeyboardMarkup:
    """ "Discard this draft?": Discard, or Keep editing (back where the form was)."""
    return InlineKeyboardMarkup(
        [[_form(t, "schedule.button_discard", "discard"), _form(t, "schedule.button_keep", "keep")]]
    )


def form_prompt(t: Translator, *, back_to_review: bool) -> InlineKeyboardMarkup:
    if back_to_review:
        return InlineKeyboardMarkup([[_form(t, "common.back", "review")]])
    return InlineKeyboardMarkup([[_form(t, "common.cancel", "cancel")]])


QUICK_STARTS = ("in15", "in60", "tom10", "tom15")
QUICK_LENGTHS = (30, 60, 90, 120)


def form_start_prompt(t: Translator, *, back_to_review: bool) -> InlineKeyboardMarkup:
    labels = dict(
        zip(
            QUICK_STARTS,
            (
                "schedule.quick_in_15",
                "schedule.quick_in_60",
                "schedule.quick_tomorrow_10",
                "schedule.quick_tomorrow_15",
            ),
            strict=True,
        )
    )
    quick = [_form(t, labels[key], "qs", key) for key in QUICK_STARTS]
    return InlineKeyboardMarkup(
        [quick[:2], quick[2:], *form_prompt(t, back_to_review=back_to_review).inline_keyboard]
    )


def form_end_prompt(t: Translator, *, back_to_review: bool) -> InlineKeyboardMarkup:
    quick = [
        _form(t, f"schedule.quick_length_{minutes}", "qe", minutes) for minutes in QUICK_LENGTHS
    ]
    return InlineKeyboardMarkup(
        [quick[:2], quick[2:], *form_prompt(t, back_to_review=back_to_review).inline_keyboard]
    )


# Quick answers to "at what time?" (hours), shown only while still ahead on that day.
QUICK_TIMES = (9, 10, 12, 15, 17)


def form_time_prompt(
    t: Translator, hours: tuple[int, ...], *, back_to_review: bool
) -> InlineKeyboardMarkup:
    """Under "🗓 Fri 27 Nov — at what time?": quick times, another day, Cancel or Back.

    The labels are clock times ("09:00"), written the same way in both languages."""
    rows = []
    if hours:
        rows.append(
            [
                Button(f"{hour:02d}:00", callback_data=cb.encode(cb.FORM, "qt", hour))
                for hour in hours
            ]
        )
    rows.append([_form(t, "schedule.button_other_day", "day")])
    return InlineKeyboardMarkup(
        [*rows, *form_prompt(t, back_to_review=back_to_review).inline_keyboard]
    )
