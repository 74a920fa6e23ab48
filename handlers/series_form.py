"""The "Repeats" part of the conference form (handlers/conference_form.py): presets worded
from the first meeting, custom weekdays, the end (none, after N meetings, on a date),
and rules typed at the start question ("every Monday 10:00", «по будням в 9:30»).

Every choice is checked at once through the core (`ConferenceService.series_plan`): a
rule with no meeting, an end before the start, or more than the allowed number of
meetings is explained and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from telegram import InlineKeyboardMarkup, Update

from bot import series, series_text
from bot.conferences import Draft
from bot.context import BotContext
from bot.dates import PAST_GRACE, StartAnswer, StartDay, StartMoment, local_today, understand_start
from bot.validation import InvalidInput
from handlers import keyboards
from handlers.callback_data import CallbackData
from handlers.common import answer_press, explain, send
from handlers.conference_views import moment

# The form's buttons handled here.
REPEAT_PRESSES = frozenset({"rep", "rp", "rd", "rdone", "re"})


@dataclass(frozen=True)
class RepeatStates:
    """The form's state numbers of the repeat screens (and the review card's, to return)."""

    presets: int
    days: int
    end: int
    count: int
    until: int
    review: int

    def __contains__(self, state: object) -> bool:
        return state in (self.presets, self.days, self.end, self.count, self.until)


def _zone(context: BotContext) -> str:
    return context.current_user.timezone


def _checked(context: BotContext, draft: Draft) -> Draft:
    """The draft if its rule holds (InvalidInput otherwise)."""
    context.services.conferences.series_plan(draft, _zone(context))
    return draft


def repeat_prompt(
    context: BotContext, states: RepeatStates, state: int, draft: Draft
) -> tuple[str, InlineKeyboardMarkup]:
    """The question and buttons of a repeat screen."""
    t = context.t
    zone = _zone(context)
    back = keyboards.form_prompt(t, back_to_review=True)
    if state == states.days:
        chosen = {day for day in draft.repeat_days.split(",") if day}
        return t("series.ask_days"), keyboards.form_repeat_days(t, chosen)
    if state == states.end:
        rule = draft.rule(zone) or ""
        return (
            t(
                "series.ask_end",
                rule=series_text.describe(t.language, rule),
                limit=series.MAX_MEETINGS,
            ),
            keyboards.form_repeat_end(t),
        )
    if state == states.count:
        return t("series.ask_count", limit=series.MAX_MEETINGS), back
    if state == states.until:
        return t("series.ask_until"), back
    assert draft.starts_at is not None
    start = datetime.fromtimestamp(draft.starts_at, UTC).astimezone(ZoneInfo(zone))
    weekday = str(get_day_names("wide", locale=t.language)[start.weekday()])
    monthly_day = series.preset_rule("monthly_day", first_start=draft.starts_at, timezone=zone)
    labels = {
        "daily": t.plain("series.daily").capitalize(),
        "weekdays": t.plain("series.preset_weekdays"),
        "weekly": t.plain("series.preset_weekly", weekday=weekday),
        "biweekly": t.plain("series.preset_biweekly", weekday=weekday),
        "monthly_date": t.plain("series.preset_monthly_date", day=start.day),
        "monthly_day": t.plain(
            "series.preset_monthly_day", rule=series_text.describe(t.language, monthly_day)
        ),
    }
    text = t("series.ask_preset", start=moment(t, draft.starts_at, zone))
    return text, keyboards.form_repeat_presets(t, labels)


async def on_repeat_press(
    update: Update, context: BotContext, states: RepeatStates, draft: Draft, data: CallbackData
) -> tuple[int, Draft, str | None] | None:
    """A repeat button: the state to show next, the draft, a note; None when the press
    was answered here (stale, or refused with a message)."""
    t = context.t
    action, argument = data.action, (data.args[0] if data.args else "")
    try:
        if action == "rep":
            await answer_press(update)
            return states.presets, draft, None
        if action == "rp" and argument == "never":
            await answer_press(update)
            return states.review, _without_rule(draft), None
        if action == "rp" and argument == "custom":
            await answer_press(update)
            days = draft.repeat_days if draft.repeat == "custom" else _start_weekday(context, draft)
            return states.days, replace(draft, repeat="custom", repeat_days=days), None
        if action == "rp" and argument in keyboards.SERIES_PRESETS:
            await answer_press(update)
            wanted = replace(draft, repeat=argument, repeat_days="", repeat_interval=1)
            return states.end, _checked(context, wanted), None
        if action == "rd" and argument in series.WEEKDAYS and draft.repeat == "custom":
            await answer_press(update)
            chosen = {day for day in draft.repeat_days.split(",") if day} ^ {argument}
            days = ",".join(day for day in series.WEEKDAYS if day in chosen)
            return states.days, replace(draft, repeat_days=days), None
        if action == "rdone" and draft.repeat == "custom":
            await answer_press(update)
            if not draft.repeat_days:
                raise InvalidInput("series.bad_no_weekday")
            return states.end, _checked(context, draft), None
        if action == "re" and draft.repeat is not None:
            await answer_press(update)
            if argument == "count":
                return states.count, draft, None
            if argument == "until":
                return states.until, draft, None
            if argument == "none":
                wanted = replace(draft, repeat_count=None, repeat_until=None)
                return states.review, _checked(context, wanted), None
    except InvalidInput as error:
        await send(update, context, explain(t, error))
        return None
    await answer_press(update, t.plain("common.stale_button"))
    return None


def _without_rule(draft: Draft) -> Draft:
    return replace(
        draft,
        repeat=None,
        repeat_days="",
        repeat_interval=1,
        repeat_count=None,
        repeat_until=None,
    )


def _start_weekday(context: BotContext, draft: Draft) -> str:
    assert draft.starts_at is not None
    local = datetime.fromtimestamp(draft.starts_at, UTC).astimezone(ZoneInfo(_zone(context)))
    return series.WEEKDAYS[local.weekday()]


def read_preset(context: BotContext, draft: Draft, typed: str) -> Draft:
    """A rule typed on the presets screen ("every Monday", «раз в 2 недели»)."""
    rule = series_text.understand_rule(typed)
    if rule is None:
        raise InvalidInput("series.bad_rule")
    wanted = replace(
        draft,
        repeat="custom" if rule.days else rule.preset,
        repeat_days=",".join(rule.days),
        repeat_interval=rule.interval,
    )
    return _checked(context, wanted)


def read_count(context: BotContext, draft: Draft, typed: str) -> Draft:
    """The number of meetings: 2 to MAX_MEETINGS."""
    value = typed.strip()
    # ASCII digits only: str.isdigit() also takes "፩" or "²", which int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 2:
        raise InvalidInput("series.bad_count", {"limit": str(series.MAX_MEETINGS)})
    if int(value) > series.MAX_MEETINGS:
        raise InvalidInput("series.bad_too_many", {"limit": str(series.MAX_MEETINGS)})
    return _checked(context, replace(draft, repeat_count=int(value), repeat_until=None))


def read_until(context: BotContext, draft: Draft, typed: str) -> Draft:
    """The last day of the series (its meeting included), through the date parser."""
    zone = _zone(context)
    now = context.services.clock.now()
    answer = understand_start(typed, now=now, tz=zone, language=context.t.language)
    if isinstance(answer, StartDay):
        day = answer.day
    elif isinstance(answer, StartMoment):
        day = answer.at.astimezone(ZoneInfo(zone)).date()
    else:
        raise InvalidInput("series.bad_until")
    until = series.end_of_local_day(datetime.combine(day, datetime.min.time()), zone)
    return _checked(context, replace(draft, repeat_until=until, repeat_count=None))


def apply_typed_rule(
    context: BotContext, draft: Draft, typed: str, day_key: str
) -> tuple[Draft, str, StartAnswer | None] | None:
    """A start typed with a rule ("every Monday 10:00"): the draft with the rule, its
    echo, and the start the rest of the answer gives on the first day the rule takes
    (None: no time yet; with weekdays the form then asks the time for the first of those
    days). None when the answer holds no rule."""
    rule = series_text.understand_rule(typed)
    if rule is None:
        return None
    t = context.t
    zone = _zone(context)
    now = context.services.clock.now()
    draft = replace(
        draft,
        repeat="custom" if rule.days else rule.preset,
        repeat_days=",".join(rule.days),
        repeat_interval=rule.interval,
        repeat_count=None,
        repeat_until=None,
    )
    allowed = _allowed_weekdays(rule.preset, rule.days)
    today = local_today(now, zone)
    days = [
        today + timedelta(days=offset)
        for offset in range(8)
        if allowed is None or (today + timedelta(days=offset)).weekday() in allowed
    ]
    words = _rhythm_words(context, draft, rule.days, rule.interval, rule.preset)
    note = t("series.understood_rule", rule=words)
    if not rule.rest:
        if allowed is not None and days:
            context.user_data[day_key] = days[0].isoformat()
        return draft, note, None
    for day in days:
        answer = understand_start(rule.rest, now=now, tz=zone, language=t.language, day=day)
        if answer is None:
            raise InvalidInput("schedule.bad_start", {"value": typed.strip()[:80]})
        if isinstance(answer, StartDay):
            return draft, note, answer
        start = answer.at if isinstance(answer, StartMoment) else answer.start
        if start >= now - PAST_GRACE:
            return draft, note, answer
    raise InvalidInput("schedule.bad_start", {"value": typed.strip()[:80]})


def _allowed_weekdays(preset: str, days: tuple[str, ...]) -> set[int] | None:
    """The weekdays (0 = Monday) a rule's first meeting can fall on; None: any."""
    if days:
        return {series.WEEKDAYS.index(day) for day in days}
    if preset == "weekdays":
        return set(range(5))
    return None


def _rhythm_words(
    context: BotContext, draft: Draft, days: tuple[str, ...], interval: int, preset: str
) -> str:
    """The typed rhythm in words, before the start is known."""
    found = {"FREQ": {"daily": "DAILY", "monthly_date": "MONTHLY"}.get(preset, "WEEKLY")}
    if preset == "weekdays":
        found["BYDAY"] = ",".join(series.WORKING_DAYS)
    elif days:
        found["BYDAY"] = ",".join(days)
    if interval > 1:
        found["INTERVAL"] = str(interval)
    if found["FREQ"] == "WEEKLY" and "BYDAY" not in found:
        # "every 2 weeks": on the weekday of the start, still to come.
        if interval > 1:
            return context.t.plain("series.every_n_weeks", count=interval)
        return context.t.plain("series.weekly")
    return series_text.describe(context.t.language, series.join_parts(found))
