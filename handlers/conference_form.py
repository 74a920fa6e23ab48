"""The conference form: "Schedule conference" (F1), "Repeat" (F9) and "Edit" (F8).

One dialog serves all three, because they are the same form: a draft with topic, start,
end, ID, password and the owner-absence toggle, a review card, and a final press
("Schedule" or "Save"). Diagram: handlers/conference_form.mmd.

After each accepted answer the form asks for the next missing value, or shows the review
card when nothing is missing; a new start keeps the length when an end is already set.
The draft lives in user_data (persisted), so a restart resumes the form.

Cancel (or /cancel) with something entered asks "Discard this draft?" first
(CONFIRM_DISCARD): "Discard" ends the form, "Keep editing" asks again what the form was
asking (the next missing value, else the review card). An empty draft, or an edit that
changes nothing yet, is cancelled at once; a second Cancel or /cancel discards.

The start question takes a moment ("tomorrow 15:00"), a start and an end at once
("tomorrow 15:00-16:00", which fills both), or a day alone ("friday", "25.12"): then
the form asks "🗓 Fri 27 Nov — at what time?" (ASK_TIME), with quick times, and keeps
that day in user_data beside the draft until a time is given (bot/dates/starts.py).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.conferences import NOTICE_FIELDS, Draft, clean_code, clean_password, clean_topic
from bot.context import BotContext
from bot.dates import (
    StartAnswer,
    StartDay,
    StartMoment,
    local_today,
    parse_end,
    understand_start,
    wall_time,
)
from bot.i18n import plain
from bot.timezones import display_name
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.common import (
    Callback,
    Handler,
    answer_press,
    dialog_fallbacks,
    explain,
    not_text_handler,
    pressed_data,
    send,
    show,
    typed_text,
)
from handlers.conference_log import refuse_press
from handlers.conference_views import card_screen, draft_rhythm, moment, review_card
from handlers.series_changes import refuse_meeting
from handlers.series_form import (
    REPEAT_PRESSES,
    RepeatStates,
    apply_typed_rule,
    on_repeat_press,
    read_count,
    read_preset,
    read_until,
    repeat_prompt,
)
from storage.conferences import ConferenceRecord

# Persisted by number: new states go at the end.
ASK_TOPIC, ASK_START, ASK_END, ASK_CODE, ASK_PASSWORD, REVIEW, ASK_TIME, CONFIRM_DISCARD = range(8)
# "Repeats" (recurring conferences): the presets, custom weekdays, the end, N, the date.
REPEAT, REPEAT_DAYS, REPEAT_END, ASK_COUNT, ASK_UNTIL = range(8, 13)
END = ConversationHandler.END
_DRAFT = "conference_form"
# The day typed without a time, while the form asks for the time (ISO date).
_DAY = "conference_form_day"


# -- the draft -----------------------------------------------------------------------


def _draft(context: BotContext) -> Draft | None:
    stored = context.user_data.get(_DRAFT)
    return Draft(**stored) if stored else None


def _keep(context: BotContext, draft: Draft) -> None:
    context.user_data[_DRAFT] = asdict(draft)


def _drop(context: BotContext) -> None:
    context.user_data.pop(_DRAFT, None)
    context.user_data.pop(_DAY, None)


def _pending_day(context: BotContext) -> date | None:
    """The day whose time the form is asking for, if it is."""
    stored = context.user_data.get(_DAY)
    try:
        return date.fromisoformat(stored) if isinstance(stored, str) else None
    except ValueError:
        return None


def _timezone(context: BotContext) -> str:
    return context.current_user.timezone


def _is_complete(draft: Draft) -> bool:
    return bool(draft.topic) and draft.starts_at is not None and draft.ends_at is not None


# -- screens -------------------------------------------------------------------------


async def _ask(
    update: Update, context: BotContext, state: int, draft: Draft, note: str | None = None
) -> int:
    """Show the prompt of `state` (or the review card), after an optional note."""
    t = context.t
    back = _is_complete(draft)
    timezone = display_name(_timezone(context), t.language, context.services.clock.now())
    day = _pending_day(context)
    if state == ASK_TIME and day is None:
        state = ASK_START  # nothing to ask a time for (never expected)
    if state != ASK_TIME:
        context.user_data.pop(_DAY, None)  # any other question leaves the day behind
    if state == ASK_TIME:
        assert day is not None
        now = context.services.clock.now()
        text = t(
            "schedule.ask_time",
            day=_day_text(t.language, day, local_today(now, _timezone(context))),
            timezone=timezone,
        )
        markup = _prompt_markup(context, state, draft)
    elif state == REVIEW:
        text = review_card(t, draft, timezone=_timezone(context))
        if draft.meeting_only is not None:
            text = t(
                "series.review_meeting",
                topic=draft.topic,
                original=moment(t, draft.meeting_only, _timezone(context)),
                start=moment(t, draft.starts_at, _timezone(context)),
                end=moment(t, draft.ends_at, _timezone(context)),
            )
        markup = keyboards.form_review(
            t,
            allow=draft.allow_without_owner,
            editing=draft.editing_id is not None,
            repeats=draft_rhythm(t, draft, timezone=_timezone(context)),
            rhythm=draft.editing_id is None or draft.from_meeting is not None,
            meeting_only=draft.meeting_only is not None,
        )
    elif state in _REPEAT_STATES:
        text, markup = _repeat_prompt(context, state, draft)
    elif state == ASK_TOPIC:
        text = t("schedule.ask_new_topic" if back else "schedule.ask_topic")
        markup = keyboards.form_prompt(t, back_to_review=back)
    elif state == ASK_START:
        if draft.repeat_of is not None and draft.starts_at is None:
            text = t("schedule.ask_repeat_start", topic=draft.topic, timezone=timezone)
        else:
            text = t("schedule.ask_new_start" if back else "schedule.ask_start", timezone=timezone)
        markup = keyboards.form_start_prompt(t, back_to_review=back)
    elif state == ASK_END:
        text = t("schedule.ask_new_end" if back else "schedule.ask_end")
        markup = keyboards.form_end_prompt(t, back_to_review=back)
    elif state == ASK_CODE:
        text, markup = t("schedule.ask_code"), keyboards.form_prompt(t, back_to_review=back)
    else:
        text, markup = t("schedule.ask_password"), keyboards.form_prompt(t, back_to_review=back)
    if note:
        text = f"{note}\n\n{text}"
    await show(update, context, text, markup)
    return state


async def _next(update: Update, context: BotContext, draft: Draft, note: str | None = None) -> int:
    """Store the draft and ask for what is still missing, else show the review card."""
    _keep(context, draft)
    if not draft.topic:
        return await _ask(update, context, ASK_TOPIC, draft, note)
    if _pending_day(context) is not None:
        return await _ask(update, context, ASK_TIME, draft, note)
    if draft.starts_at is None:
        return await _ask(update, context, ASK_START, draft, note)
    if draft.ends_at is None:
        return await _ask(update, context, ASK_END, draft, note)
    return await _ask(update, context, REVIEW, draft, note)


def _day_text(language: str, day: date, today: date) -> str:
    """ "Fri 27 Nov" / «пт, 27 ноября»: weekday and month in words, the year if not this one."""
    key = "schedule.day_format" if day.year == today.year else "schedule.day_format_year"
    return format_date(day, plain(language, key), locale=language)


def _quick_hours(context: BotContext, day: date) -> tuple[int, ...]:
    """The quick times still ahead on `day` (all of them on a later day)."""
    now = context.services.clock.now()
    zone = _timezone(context)
    return tuple(hour for hour in keyboards.QUICK_TIMES if wall_time(day, time(hour), zone) > now)


_REPEAT_STATES = RepeatStates(REPEAT, REPEAT_DAYS, REPEAT_END, ASK_COUNT, ASK_UNTIL, REVIEW)


def _repeat_prompt(
    context: BotContext, state: int, draft: Draft
) -> tuple[str, InlineKeyboardMarkup]:
    return repeat_prompt(context, _REPEAT_STATES, state, draft)


def _prompt_markup(context: BotContext, state: int, draft: Draft) -> InlineKeyboardMarkup:
    """The buttons under a question, and under a rejection that asks it again."""
    if state in _REPEAT_STATES:
        return _repeat_prompt(context, state, draft)[1]
    back = _is_complete(draft)
    day = _pending_day(context)
    if state == ASK_TIME and day is not None:
        return keyboards.form_time_prompt(
            context.t, _quick_hours(context, day), back_to_review=back
        )
    return keyboards.form_prompt(context.t, back_to_review=back)


# -- entry points ---------------------------------------------------------------------


async def start_scheduling(update: Update, context: BotContext) -> int:
    """/schedule or "Schedule conference": a fresh draft with a generated ID and password."""
    await answer_press(update)
    context.user_data.pop(_DAY, None)
    draft = await context.services.conferences.new_draft("")
    return await _next(update, context, draft)


async def start_repeat(update: Update, context: BotContext) -> int:
    """ "Repeat" on an archived conference: its parameters, asking only for a new start."""
    conference = await _owned_from_button(update, context)
    if conference is None:
        await refuse_press(update, context, _pressed_id(update))
        return END
    if not context.services.conferences.is_archived(conference):
        await answer_press(update, context.t.plain("conference.gone"))
        return END
    await answer_press(update)
    context.user_data.pop(_DAY, None)
    draft = context.services.conferences.repeat_draft(conference)
    _keep(context, draft)
    return await _ask(update, context, ASK_START, draft)


async def start_edit(update: Update, context: BotContext) -> int:
    """ "Edit" on a scheduled conference: the review card of its current values."""
    conference = await _owned_from_button(update, context)
    if conference is None:
        await refuse_press(update, context, _pressed_id(update))
        return END
    if context.services.conferences.is_archived(conference):
        await answer_press(update, context.t.plain("conference.gone"))
        return END
    if conference.rrule is not None:
        # A series: this meeting only, or all from it on (the form starts on the answer).
        meeting = await context.services.series.current_meeting(conference)
        if meeting is None:
            await answer_press(update, context.t.plain("conference.gone"))
            return END
        await answer_press(update)
        t = context.t
        start = moment(t, meeting.starts_at, _timezone(context))
        await show(
            update,
            context,
            t("series.ask_edit", topic=conference.topic, start=start),
            keyboards.series_choice(t, conference.id, meeting.original_start, delete=False),
        )
        return END
    await answer_press(update)
    context.user_data.pop(_DAY, None)
    draft = context.services.conferences.edit_draft(conference)
    return await _next(update, context, draft)


async def start_series_edit(update: Update, context: BotContext) -> int:
    """ "This meeting only" or "All meetings from this one on": the review card of that
    meeting, with its times (and, for all, the series' rhythm and the rest)."""
    data = pressed_data(update)
    conference_id = data.arg_int(0) if data else None
    original_start = data.arg_int(1) if data else None
    found = await context.services.series.meeting(
        context.current_user.id, conference_id, original_start
    )
    if data is None or found is None or original_start is None:
        await refuse_meeting(update, context, conference_id)
        return END
    conference, meeting = found
    await answer_press(update)
    context.user_data.pop(_DAY, None)
    draft = replace(
        context.services.conferences.edit_draft(conference),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    if data.action == "e1":
        draft = replace(draft, meeting_only=original_start)
    else:
        draft = replace(draft, from_meeting=original_start)
        if draft.repeat_count is not None:  # the meetings still to come keep their number
            left = len(await context.services.conferences.meetings_ahead(conference))
            draft = replace(draft, repeat_count=max(1, left))
    return await _next(update, context, draft)


async def _owned_from_button(update: Update, context: BotContext) -> ConferenceRecord | None:
    return await context.services.conferences.owned(context.current_user.id, _pressed_id(update))


def _pressed_id(update: Update) -> int | None:
    data = pressed_data(update)
    return data.arg_int() if data else None


# -- typed answers ---------------------------------------------------------------------


def _reader(state: int) -> Callback:
    """The handler of typed answers for one state: check, store, go on, or explain."""

    async def on_answer(update: Update, context: BotContext) -> int:
        """A typed answer: into the draft if valid, else say what to type and ask again."""
        draft = _draft(context)
        if draft is None:  # the draft vanished (e.g. cleared by an admin); start over
            return END
        try:
            draft, note = await _apply(context, state, draft, typed_text(update))
        except InvalidInput as error:
            await send(
                update, context, explain(context.t, error), _prompt_markup(context, state, draft)
            )
            return state
        return await _next(update, context, draft, note)

    return on_answer


async def _apply(
    context: BotContext, state: int, draft: Draft, typed: str
) -> tuple[Draft, str | None]:
    t = context.t
    services = context.services
    now = services.clock.now()
    timezone = _timezone(context)
    if state == ASK_TOPIC:
        return replace(draft, topic=clean_topic(typed)), None
    if state == REPEAT:
        return read_preset(context, draft, typed), None
    if state == ASK_COUNT:
        return read_count(context, draft, typed), None
    if state == ASK_UNTIL:
        return read_until(context, draft, typed), None
    if state == ASK_START and draft.editing_id is None:
        typed_rule = apply_typed_rule(context, draft, typed, _DAY)
        if typed_rule is not None:
            draft, note, answer = typed_rule
            if answer is None:
                return draft, note
            draft, start_note = _with_answer(context, draft, answer)
            return draft, "\n".join(part for part in (note, start_note) if part)
    if state in (ASK_START, ASK_TIME):
        asked_day = _pending_day(context) if state == ASK_TIME else None
        answer = understand_start(typed, now=now, tz=timezone, language=t.language, day=asked_day)
        if answer is None:
            key = "schedule.bad_time" if state == ASK_TIME else "schedule.bad_start"
            raise InvalidInput(key, {"value": typed.strip()[:80]})
        return _with_answer(context, draft, answer)
    if state == ASK_END:
        assert draft.starts_at is not None
        start = datetime.fromtimestamp(draft.starts_at, UTC)
        end = parse_end(typed, start=start, now=now, tz=timezone, language=t.language)
        if end is None:
            raise InvalidInput("schedule.bad_end", {"value": typed.strip()[:80]})
        return _with_end(context, draft, services.conferences.check_end(draft.starts_at, end))
    if state == ASK_CODE:
        code = clean_code(typed)
        await services.conferences.check_code_free(
            code, except_id=draft.editing_id or draft.repeat_of
        )
        return replace(draft, code=code), None
    return replace(draft, password=clean_password(typed)), None


def _with_answer(
    context: BotContext, draft: Draft, answer: StartAnswer
) -> tuple[Draft, str | None]:
    """An understood start: a moment, a day to ask the time for, or a start and an end."""
    conferences = context.services.conferences
    if isinstance(answer, StartDay):
        # A day whose every time has passed cannot hold a start.
        if answer.day < local_today(context.services.clock.now(), _timezone(context)):
            raise InvalidInput("schedule.bad_start_past")
        context.user_data[_DAY] = answer.day.isoformat()
        return draft, None
    if isinstance(answer, StartMoment):
        return _with_start(context, draft, conferences.check_start(answer.at))
    starts_at = conferences.check_start(answer.start)
    context.user_data.pop(_DAY, None)  # the time is given
    start_note = _echo(context, "schedule.understood_start", starts_at)
    try:
        ends_at = conferences.check_end(starts_at, answer.end)
    except InvalidInput as error:
        # The start was understood and is kept; say what is wrong with the end and ask
        # for the end alone.
        draft = replace(draft, starts_at=starts_at, ends_at=None)
        return draft, f"{start_note}\n{explain(context.t, error)}"
    draft = replace(draft, starts_at=starts_at, ends_at=ends_at)
    return draft, f"{start_note}\n{_echo(context, 'schedule.understood_end', ends_at)}"


def _echo(context: BotContext, key: str, timestamp: int) -> str:
    return context.t(key, moment=moment(context.t, timestamp, _timezone(context)))


def _with_start(context: BotContext, draft: Draft, starts_at: int) -> tuple[Draft, str]:
    """A new start; the length stays when the end was set (or repeated) before."""
    context.user_data.pop(_DAY, None)  # the time is given
    if draft.ends_at is not None and draft.starts_at is not None:
        length = draft.ends_at - draft.starts_at
        draft = replace(draft, starts_at=starts_at, ends_at=starts_at + length)
    elif draft.repeat_length is not None:
        draft = replace(draft, starts_at=starts_at, ends_at=starts_at + draft.repeat_length)
    else:
        draft = replace(draft, starts_at=starts_at)
    return draft, _echo(context, "schedule.understood_start", starts_at)


def _with_end(context: BotContext, draft: Draft, ends_at: int) -> tuple[Draft, str]:
    return replace(draft, ends_at=ends_at), _echo(context, "schedule.understood_end", ends_at)


# -- buttons ---------------------------------------------------------------------------

_FIELD_STATES = {
    "topic": ASK_TOPIC,
    "start": ASK_START,
    "end": ASK_END,
    "code": ASK_CODE,
    "password": ASK_PASSWORD,
}


async def on_form_press(update: Update, context: BotContext) -> int | None:
    """Buttons of the form: fields, quick answers, toggle, save, cancel, back."""
    data = pressed_data(update)
    draft = _draft(context)
    t = context.t
    if data is None or draft is None:
        await answer_press(update, t.plain("common.stale_button"))
        return None
    action = data.action
    if action == "cancel":
        return await _cancel(update, context)
    if action == "review" and _is_complete(draft):
        await answer_press(update)
        return await _ask(update, context, REVIEW, draft)
    if action in _FIELD_STATES and _is_complete(draft):
        if action == "code" and draft.editing_id is not None:
            await answer_press(update, t.plain("common.stale_button"))
            return None
        await answer_press(update)
        return await _ask(update, context, _FIELD_STATES[action], draft)
    if action == "allow" and _is_complete(draft):
        await answer_press(update)
        draft = replace(draft, allow_without_owner=not draft.allow_without_owner)
        return await _next(update, context, draft)
    if action == "qs" and data.args:
        return await _quick_start(update, context, draft, data.args[0])
    if action == "qt" and _pending_day(context) is not None:
        return await _quick_time(update, context, draft, data.arg_int())
    if action == "day" and _pending_day(context) is not None:
        await answer_press(update)
        return await _ask(update, context, ASK_START, draft)
    if action == "qe" and data.arg_int() is not None and draft.starts_at is not None:
        await answer_press(update)
        minutes = data.arg_int()
        if minutes not in keyboards.QUICK_LENGTHS:
            return None
        draft, note = _with_end(context, draft, draft.starts_at + minutes * 60)
        return await _next(update, context, draft, note)
    if action == "save" and _is_complete(draft):
        return await _save(update, context, draft)
    if (
        action in REPEAT_PRESSES
        and _is_complete(draft)
        and (draft.editing_id is None or draft.from_meeting is not None)
    ):
        moved = await on_repeat_press(update, context, _REPEAT_STATES, draft, data)
        if moved is None:
            return None
        state, draft, repeat_note = moved
        _keep(context, draft)
        return await _ask(update, context, state, draft, repeat_note)
    await answer_press(update, t.plain("common.stale_button"))
    return None


async def _quick_start(update: Update, context: BotContext, draft: Draft, key: str) -> int | None:
    if key not in keyboards.QUICK_STARTS:
        await answer_press(update, context.t.plain("common.stale_button"))
        return None
    await answer_press(update)
    now = context.services.clock.now().replace(second=0, microsecond=0)
    if key.startswith("in"):
        start = now + timedelta(minutes=int(key[2:]))
    else:
        zone = ZoneInfo(_timezone(context))
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        start = datetime.combine(tomorrow, time(int(key[3:])), zone)
    draft, note = _with_start(context, draft, int(start.timestamp()))
    return await _next(update, context, draft, note)


async def _quick_time(
    update: Update, context: BotContext, draft: Draft, hour: int | None
) -> int | None:
    """A quick time under "at what time?": that hour on the day asked about."""
    day = _pending_day(context)
    if day is None or hour not in keyboards.QUICK_TIMES:
        await answer_press(update, context.t.plain("common.stale_button"))
        return None
    await answer_press(update)
    start = wall_time(day, time(hour), _timezone(context))
    try:
        starts_at = context.services.conferences.check_start(start)
    except InvalidInput as error:  # a button of an older message, for an hour now past
        await send(
            update, context, explain(context.t, error), _prompt_markup(context, ASK_TIME, draft)
        )
        return ASK_TIME
    draft, note = _with_start(context, draft, starts_at)
    return await _next(update, context, draft, note)


async def _save(update: Update, context: BotContext, draft: Draft) -> int:
    """ "Schedule" or "Save": store, then turn the review card into the conference card."""
    await answer_press(update)
    services = context.services
    t = context.t
    user = context.current_user
    try:
        if draft.editing_id is not None and draft.meeting_only is not None:
            return await _save_meeting(update, context, draft)
        if draft.editing_id is not None and draft.from_meeting is not None:
            conference, earlier = await services.series.change_all(
                user.id, draft.editing_id, draft.from_meeting, draft, _timezone(context)
            )
            note = (
                t("schedule.edited")
                if earlier is None
                else t(
                    "series.split_done",
                    start=moment(t, conference.starts_at, _timezone(context)),
                )
            )
            news = conference.changed_since_notice
        elif draft.editing_id is not None:
            conference, changed = await services.conferences.apply_edit(user.id, draft)
            note = t("schedule.edited") if changed else t("schedule.not_changed")
            news = bool(changed & set(NOTICE_FIELDS))
        else:
            conference = await services.conferences.schedule(
                user.id, draft, timezone=_timezone(context)
            )
            note = t("schedule.repeated" if draft.repeat_of else "schedule.scheduled")
            news = draft.repeat_of is not None  # a new date for everyone who knew the old
    except InvalidInput as error:
        if error.key == "conference.gone":
            _drop(context)
            await show(update, context, t("conference.gone"), keyboards.back_to_menu(t))
            return END
        await send(update, context, explain(t, error))
        return await _ask(update, context, REVIEW, draft)
    _drop(context)
    card, markup = await card_screen(context, conference)
    audience = await services.invitations.audience_size(conference.id) if news else 0
    if audience and conference.changed_since_notice:
        # Asked at once, as calendars do. The question takes the place of the card's
        # "not told yet" reminder, which points to a Notify button not shown here;
        # "Don't send" brings the card back with both.
        card = card.replace(f"\n\n{t('conference.not_notified')}", "")
        question = t("notify.ask_send", count=audience)
        markup = keyboards.send_update_question(t, conference.id)
        await show(update, context, f"{note}\n\n{card}\n\n{question}", markup)
        return END
    await show(update, context, f"{note}\n\n{card}", markup)
    return END


async def _save_meeting(update: Update, context: BotContext, draft: Draft) -> int:
    """Save of one meeting: an exception with its new times; with participants, the
    card asks at once whether to tell them (REQUEST with its RECURRENCE-ID)."""
    assert draft.editing_id is not None and draft.meeting_only is not None
    assert draft.starts_at is not None and draft.ends_at is not None
    services = context.services
    t = context.t
    change = await services.series.move_meeting(
        context.current_user.id,
        draft.editing_id,
        draft.meeting_only,
        draft.starts_at,
        draft.ends_at,
    )
    _drop(context)
    zone = _timezone(context)
    note = t(
        "series.meeting_moved",
        old=moment(t, change.before.starts_at, zone),
        new=moment(t, draft.starts_at, zone),
    )
    card, markup = await card_screen(context, change.conference)
    audience = await services.invitations.audience_size(change.conference.id)
    if audience:
        question = t("notify.ask_send", count=audience)
        markup = keyboards.send_meeting_question(t, change.conference.id, draft.meeting_only)
        await show(update, context, f"{note}\n\n{card}\n\n{question}", markup)
        return END
    await show(update, context, f"{note}\n\n{card}", markup)
    return END


async def _cancel(update: Update, context: BotContext) -> int:
    """Cancel or /cancel: ask before discarding what was entered; else cancel at once."""
    draft = _draft(context)
    if draft is not None and await _has_entries(context, draft):
        await answer_press(update)
        t = context.t
        key = "schedule.confirm_discard_edit" if draft.editing_id else "schedule.confirm_discard"
        await show(update, context, t(key), keyboards.form_discard(t))
        return CONFIRM_DISCARD
    return await _discard(update, context)


async def _has_entries(context: BotContext, draft: Draft) -> bool:
    """Whether cancelling would lose something the person entered: a new conference's
    topic or start, a repeat's new start, or an edit that differs from the conference."""
    if draft.editing_id is not None:
        current = await context.services.conferences.owned(
            context.current_user.id, draft.editing_id
        )
        return current is not None and context.services.conferences.edit_draft(current) != draft
    if draft.repeat_of is not None:
        return draft.starts_at is not None or _pending_day(context) is not None
    return bool(draft.topic) or draft.starts_at is not None


async def _discard(update: Update, context: BotContext) -> int:
    """Leave the form; nothing is saved."""
    await answer_press(update)
    draft = _draft(context)
    _drop(context)
    t = context.t
    key = (
        "schedule.cancelled"
        if draft and (draft.editing_id or draft.repeat_of)
        else "schedule.cancelled_new"
    )
    await show(update, context, f"{t(key)}\n\n{t('menu.title')}", keyboards.main_menu(t))
    return END


async def cancel_command(update: Update, context: BotContext) -> int:
    """/cancel: as the Cancel button (asks first when something was entered)."""
    return await _cancel(update, context)


async def on_discard_press(update: Update, context: BotContext) -> int | None:
    """ "Discard this draft?": Discard (or an older Cancel) ends the form; Keep editing
    goes back to what the form was asking; other buttons of the form work as usual."""
    data = pressed_data(update)
    draft = _draft(context)
    if data is None or draft is None:
        await answer_press(update, context.t.plain("common.stale_button"))
        return None
    if data.action in ("discard", "cancel"):
        return await _discard(update, context)
    if data.action == "keep":
        await answer_press(update)
        return await _next(update, context, draft)
    return await on_form_press(update, context)


async def on_discard_typed(update: Update, context: BotContext) -> int:
    """Typed text while "Discard this draft?" waits: the question again."""
    t = context.t
    await send(update, context, t("schedule.discard_choose"), keyboards.form_discard(t))
    return CONFIRM_DISCARD


def handlers() -> list[Handler]:
    form_presses: Handler = CallbackQueryHandler(on_form_press, pattern=cb.pattern(cb.FORM))
    not_text = not_text_handler()
    typed = filters.TEXT & ~filters.COMMAND
    asking: dict[object, list[Handler]] = {
        state: [MessageHandler(typed, _reader(state)), form_presses, not_text]
        for state in (
            ASK_TOPIC,
            ASK_START,
            ASK_TIME,
            ASK_END,
            ASK_CODE,
            ASK_PASSWORD,
            REPEAT,
            ASK_COUNT,
            ASK_UNTIL,
        )
    }
    return [
        ConversationHandler(
            name="conference_form",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("schedule", start_scheduling, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(start_scheduling, pattern=cb.pattern(cb.MENU, "schedule")),
                CallbackQueryHandler(start_repeat, pattern=cb.pattern(cb.CONFERENCE, "repeat")),
                CallbackQueryHandler(start_edit, pattern=cb.pattern(cb.CONFERENCE, "edit")),
                CallbackQueryHandler(
                    start_series_edit, pattern=cb.pattern(cb.CONFERENCE, "e1", "eall")
                ),
            ],
            states={
                **asking,
                REVIEW: [form_presses, not_text],
                REPEAT_DAYS: [form_presses, not_text],
                REPEAT_END: [form_presses, not_text],
                CONFIRM_DISCARD: [
                    CallbackQueryHandler(on_discard_press, pattern=cb.pattern(cb.FORM)),
                    CommandHandler("cancel", _discard),
                    MessageHandler(typed, on_discard_typed),
                    not_text_handler(keyboards.form_discard),
                ],
            },
            fallbacks=dialog_fallbacks(cancel_command, _DRAFT, _DAY),
        )
    ]
