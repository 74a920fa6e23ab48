"""Property tests: hostile text at every text prompt, random callback data at every kind of
held message, and non-text messages in every dialog state, through the real bot and the
Bot API emulator.

For every example: the bot answers within a few seconds, nothing raised (no generic error
message, no ERROR log record), no Bot API call failed (a 400 "can't parse entities" would
mean user text reached Telegram unescaped), and the database is unchanged where the design
says so: text typed into a prompt only ever goes into a draft ("Save", "Schedule" and
"Send" are presses), so it never changes a stored row (the one exception: an accepted join
name marks the owner as joined).

Each example uses a new simulated user, so examples are independent although Hypothesis
runs them all inside one `bot` and one `emu`. The clock stands at Wed 25 Nov 2026, 12:00 UTC.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import note as hypothesis_note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from bot.i18n import catalog, plain
from handlers import callback_data as cb
from tests.properties.conftest import diff

# Runs of many examples inside one bot; the deadline would count the bot's start-up.
PROPERTY = dict(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    deadline=None,
    database=None,
)
# HOSTILE_INPUT_SCALE=10 runs ten times as many examples (a longer hunt for bugs).
SCALE = float(os.environ.get("HOSTILE_INPUT_SCALE", "1"))


def examples(count: int) -> int:
    return max(1, round(count * SCALE))


REPLY_TIMEOUT = 5.0
TELEGRAM_MAX_TEXT = 4096  # Telegram delivers no longer text message (clients split it)


# -- hostile text ----------------------------------------------------------------------

MARKUP = [
    "<b>",
    "</b>",
    "</a>",
    '<a href="javascript:alert(1)">',
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x110000;",
    "&nbsp",
    "<script>alert(1)</script>",
    "<",
    ">",
    "<i>",
    "<code>",
    "</pre>",
    "<tg-spoiler>",
    "<br/>",
    '"',
    "'",
    "`",
    "*bold*",
    "_it_",
    "[x](tg://user?id=1)",
    "${7*7}",
    "{topic}",
    "{}",
    "{0}",
    "%s",
    "%(name)s",
    "\\",
]
SQL = [
    "' OR 1=1 --",
    "'; DROP TABLE conferences; --",
    '" OR ""="',
    "1; DELETE FROM users",
    "%",
    "_",
    "NULL",
    "0x00",
    "');--",
]
UNICODE = [
    "😀",
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "\u200d",
    "\u200b",
    "\ufeff",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u0301",
    "e\u0301",
    "ﷺ",
    "𒐫",
    "\U0010ffff",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\r",
    "\t",
    "\x7f",
    "\u2028",
    "\u2029",
    "\u0085",
    "\ud7ff",
    "Ａ",
    "１５",
    "٣",
    "²",
    "½",
    "Ⅻ",
    "İ",
    "ß",
    "ǅ",
    "\U000e0041",
]
DATE_WORDS = [
    "tomorrow",
    "today",
    "yesterday",
    "in",
    "at",
    "on",
    "next",
    "last",
    "monday",
    "friday",
    "noon",
    "midnight",
    "am",
    "pm",
    "hours",
    "hour",
    "h",
    "min",
    "minutes",
    "days",
    "weeks",
    "years",
    "завтра",
    "сегодня",
    "через",
    "в",
    "час",
    "часа",
    "мин",
    "25.12",
    "31.02",
    "29.02.2027",
    "24:00",
    "25:61",
    "99:99",
    "-1",
    "+3",
    "1e9",
    "0",
    "00:00",
    "12:30",
    "2026-11-25T12:00",
    "9999999999999999999999",
    "1h30",
    "90",
    "−5",
    "１５:００",
    "UTC+3",
    "UTC+99",
    "UTC-14:30",
    "GMT-14",
    "Europe/Moscow",
    "Etc/GMT+12",
    "../../etc/passwd",
    "Москва",
    "America/",
    "/",
    "localtime",
    "posixrules",
    "Factory",
    "UTC",
    "Z",
    "Asia/Kolkata",
    "EST5EDT",
    "a@b.c",
    "@",
    "x@example.com",
    "name@[127.0.0.1]",
    '"quoted"@example.com',
    "a@b",
    ",",
    ";",
]
TOKENS = MARKUP + SQL + UNICODE + DATE_WORDS

digits = st.from_regex(r"\A[0-9]{1,60}\Z")
# Characters str.isdigit() accepts although int() may not ("²", "⑤") or reads them ("٣").
digit_like = st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6)
date_like = st.from_regex(
    r"\A(in |через |at |в )?[0-9]{1,12}([.:/ h-][0-9]{0,12}){0,4}"
    r"( ?(am|pm|h|min|hours|days|ч|мин))?\Z"
)
token_soup = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=8), digits), min_size=1, max_size=12
)
odd_characters = st.text(
    st.characters(categories=["Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me", "So"]),
    min_size=1,
    max_size=40,
)
# Up to Telegram's 4096 characters, built by repetition (fast to generate and to shrink).
huge = st.builds(
    lambda piece, size: (piece * (size // len(piece) + 1))[:size],
    st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(TOKENS)),
    st.integers(200, TELEGRAM_MAX_TEXT),
)


def _address(local: int, labels: list[int], tld: str) -> str:
    return f"{'a' * local}@{'.'.join('b' * size for size in labels)}.{tld}"


# Lists of addresses, many of them long (up to and beyond the 254 characters e-mail allows).
addresses = st.one_of(
    st.builds(
        _address,
        st.integers(1, 70),
        st.lists(st.integers(1, 64), min_size=1, max_size=4),
        st.sampled_from(["com", "org", "example", "xn--p1ai"]),
    ),
    st.emails(),
    st.sampled_from(TOKENS),
)
address_lists = st.builds(
    lambda items, separator: separator.join(items),
    st.lists(addresses, min_size=1, max_size=25),
    st.sampled_from([" ", ", ", "\n", ";", ",", "\r\n"]),
)


def note(text: str) -> None:
    """Hypothesis' note (printed with a failing example); also usable outside @given."""
    try:
        hypothesis_note(text)
    except InvalidArgument:
        pass


def _typeable(text: str) -> bool:
    # A leading "/" makes a command, which leaves any dialog: not an answer to the prompt.
    return bool(text) and not text.startswith("/")


hostile_text = (
    st.one_of(
        st.text(min_size=1, max_size=300),
        odd_characters,
        token_soup.map(" ".join),
        token_soup.map("".join),
        token_soup.map("\n".join),
        digits,
        digit_like,
        date_like,
        huge,
        address_lists,
    )
    .map(lambda text: text[:TELEGRAM_MAX_TEXT])
    .filter(_typeable)
)

languages = st.sampled_from(["en", "ru"])
zones = st.sampled_from(
    [
        "UTC",
        "Europe/Moscow",
        "America/New_York",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
    ]
)


# -- getting a new user into a prompt ----------------------------------------------------


@dataclass
class Entered:
    """Where a setup left the user: the message on screen and, for the tests, ids."""

    user: object
    screen: object  # the SentMessage the user looks at (to press its buttons)
    conference_id: int | None = None


async def _press(user, msg, data: str):
    """Press a real button (by its data) and return the screen it leads to."""
    await user.press_data(msg, data)
    return (await user.expect_any(timeout=REPLY_TIMEOUT)).message


async def _typed(user, text: str):
    await user.send(text)
    return await user.expect_message(timeout=REPLY_TIMEOUT)


async def _schedule(h, language, zone, steps: int):
    """The schedule form: 0 topic prompt, 1 start, 2 end, 3 review card."""
    user, menu = await h.started_user("Sched", language)
    await h.bot.update_profile(user.id, timezone=zone)
    screen = await _press(user, menu, "menu:schedule")
    if steps >= 1:
        screen = await _typed(user, "Topic")
    if steps >= 2:
        screen = await _press(user, screen, "form:qs:tom15")
    if steps >= 3:
        screen = await _press(user, screen, "form:qe:60")
    return Entered(user, screen)


async def _review_field(h, language, zone, field: str):
    entered = await _schedule(h, language, zone, 3)
    entered.screen = await _press(entered.user, entered.screen, f"form:{field}")
    return entered


async def _edit_field(h, language, zone, field: str):
    user, menu = await h.started_user("Editor", language)
    await h.bot.update_profile(user.id, timezone=zone)
    conference_id = await h.add_conference(user.id, 3)
    review = await _press(user, menu, f"conf:edit:{conference_id}")
    return Entered(user, await _press(user, review, f"form:{field}"), conference_id)


async def _repeat_start(h, language, zone):
    user, menu = await h.started_user("Repeater", language)
    await h.bot.update_profile(user.id, timezone=zone)
    conference_id = await h.add_conference(user.id, -5)
    return Entered(user, await _press(user, menu, f"conf:repeat:{conference_id}"), conference_id)


async def _repeat_screen(h, language, zone, presses: tuple[str, ...]):
    """The review card's "Repeats", then the given buttons (a preset, an end)."""
    entered = await _schedule(h, language, zone, 3)
    for data in ("form:rep", *presses):
        entered.screen = await _press(entered.user, entered.screen, data)
    return entered


async def _profile_field(h, language, zone, button: str):
    user, _ = await h.started_user("Profile", language)
    card = await _typed(user, "/profile")
    return Entered(user, await _press(user, card, f"prof:{button}"))


async def _join_name(h, language, zone):
    user, menu = await h.started_user("Joiner", language)
    conference_id = await h.add_conference(user.id, 0)  # online now
    return Entered(user, await _press(user, menu, f"conf:join:{conference_id}"), conference_id)


async def _invite(h, language, zone, confirm: bool = False):
    user, menu = await h.started_user("Inviter", language)
    conference_id = await h.add_conference(user.id, 3)
    screen = await _press(user, menu, f"conf:invite:{conference_id}")
    if confirm:
        screen = await _typed(user, "first@example.com")
    return Entered(user, screen, conference_id)


Setup = Callable[..., Awaitable[Entered]]
TEXT_PROMPTS: dict[str, Setup] = {
    "schedule topic": lambda h, lang, zone: _schedule(h, lang, zone, 0),
    "schedule start": lambda h, lang, zone: _schedule(h, lang, zone, 1),
    "schedule end": lambda h, lang, zone: _schedule(h, lang, zone, 2),
    "review conference ID": lambda h, lang, zone: _review_field(h, lang, zone, "code"),
    "review password": lambda h, lang, zone: _review_field(h, lang, zone, "password"),
    "review topic": lambda h, lang, zone: _review_field(h, lang, zone, "topic"),
    "edit topic": lambda h, lang, zone: _edit_field(h, lang, zone, "topic"),
    "edit start": lambda h, lang, zone: _edit_field(h, lang, zone, "start"),
    "edit end": lambda h, lang, zone: _edit_field(h, lang, zone, "end"),
    "edit password": lambda h, lang, zone: _edit_field(h, lang, zone, "password"),
    "repeat start": _repeat_start,
    "series rule": lambda h, lang, zone: _repeat_screen(h, lang, zone, ()),
    "series count": lambda h, lang, zone: _repeat_screen(
        h, lang, zone, ("form:rp:weekly", "form:re:count")
    ),
    "series until": lambda h, lang, zone: _repeat_screen(
        h, lang, zone, ("form:rp:weekly", "form:re:until")
    ),
    "profile name": lambda h, lang, zone: _profile_field(h, lang, zone, "name"),
    "profile e-mail": lambda h, lang, zone: _profile_field(h, lang, zone, "email"),
    "profile time zone": lambda h, lang, zone: _profile_field(h, lang, zone, "tz"),
    "profile display name": lambda h, lang, zone: _profile_field(h, lang, zone, "display"),
    "join name": _join_name,
    "invitation addresses": _invite,
    "invitation addresses again (confirm step)": lambda h, lang, zone: _invite(
        h, lang, zone, confirm=True
    ),
}

# The question each setup must leave on screen (a check that the setup still gets there).
PROMPT_KEYS = {
    "schedule topic": "schedule.ask_topic",
    "schedule start": "schedule.ask_start",
    "schedule end": "schedule.ask_end",
    "review conference ID": "schedule.ask_code",
    "review password": "schedule.ask_password",
    "review topic": "schedule.ask_new_topic",
    "edit topic": "schedule.ask_new_topic",
    "edit start": "schedule.ask_new_start",
    "edit end": "schedule.ask_new_end",
    "edit password": "schedule.ask_password",
    "repeat start": "schedule.ask_repeat_start",
    "series rule": "series.ask_preset",
    "series count": "series.ask_count",
    "series until": "series.ask_until",
    "profile name": "profile.ask_name",
    "profile e-mail": "profile.ask_email",
    "profile time zone": "profile.ask_timezone",
    "profile display name": "profile.ask_display_name",
    "join name": "join.ask_name",
    "invitation addresses": "invite.ask_addresses",
    "invitation addresses again (confirm step)": "invite.confirm",
}


def _fixed_words(language: str, key: str) -> str:
    """The longest stretch of a catalog text that no placeholder or markup interrupts."""
    template = re.sub(r"\{[^}]*\}", "\x00", catalog(language)[key])
    text = html.unescape(re.sub(r"<[^>]+>", "\x00", template))
    return max((piece.strip() for piece in text.split("\x00")), key=len)


def _assert_on_prompt(prompt: str, language: str, entered: Entered) -> None:
    words = _fixed_words(language, PROMPT_KEYS[prompt])
    shown = entered.screen.text if entered.screen is not None else ""
    assert words in shown, (
        f"the setup of {prompt!r} did not reach its question "
        f"({words!r}); the screen shows {shown[:300]!r}"
    )


# Rejections that quote what was typed (the catalog key, and how the value is cut).
ECHOES = {
    "schedule start": ("schedule.bad_start", lambda typed: typed.strip()[:80]),
    "edit start": ("schedule.bad_start", lambda typed: typed.strip()[:80]),
    "repeat start": ("schedule.bad_start", lambda typed: typed.strip()[:80]),
    "schedule end": ("schedule.bad_end", lambda typed: typed.strip()[:80]),
    "edit end": ("schedule.bad_end", lambda typed: typed.strip()[:80]),
    "review conference ID": ("schedule.bad_code", lambda typed: typed.strip()[:40]),
    "profile time zone": ("profile.bad_timezone", lambda typed: typed.strip()[:64]),
}


def _opening(language: str, key: str) -> str:
    """The fixed words a catalog text starts with, before its first placeholder."""
    return plain(language, key, value="\x00").split("\x00")[0].split("<")[0]


async def _settle(h, user) -> None:
    """Everything the setup caused is handled and read: the next event is the reply."""
    await h.barrier()
    user.skip_pending()


def _show(text: str) -> str:
    return repr(text if len(text) <= 300 else f"{text[:150]}...({len(text)} chars)...{text[-50:]}")


@pytest.mark.parametrize("prompt", list(TEXT_PROMPTS))
@settings(max_examples=examples(20), **PROPERTY)
@given(typed=hostile_text, language=languages, zone=zones)
async def test_every_text_prompt_answers_hostile_text_and_changes_nothing(
    harness, prompt, typed, language, zone
):
    h = harness
    entered = await TEXT_PROMPTS[prompt](h, language, zone)
    _assert_on_prompt(prompt, language, entered)
    user = entered.user
    await _settle(h, user)
    context = f"prompt {prompt!r} ({language}, {zone}), typed {_show(typed)}"
    note(context)
    before = await h.snapshot()
    mark = h.mark()

    await user.send(typed)
    try:
        reply = (await user.expect_any(timeout=REPLY_TIMEOUT)).message
    except AssertionError as silence:
        raise AssertionError(f"{context}: no reply\n{h.problems(mark, user)}") from silence
    await h.barrier()

    h.assert_clean(mark, user, context=context)
    after = await h.snapshot()
    if prompt == "join name" and reply.buttons and reply.buttons[0][0].url:
        # An accepted name joins: the owner's own conference records that the owner is in.
        changed = diff(
            before,
            after,
            keep=lambda table, row: (
                not (table == "conferences" and row["id"] == entered.conference_id)
            ),
        )
    else:
        changed = diff(before, after)
    assert not changed, f"{context}: the database changed:\n" + "\n".join(changed)

    if prompt in ECHOES:
        key, shown = ECHOES[prompt]
        if reply.text.startswith(_opening(language, key)):
            assert shown(typed) in reply.text, (
                f"{context}: the rejection does not quote the input literally:\n{reply.text!r}"
            )


# -- random callback data -------------------------------------------------------------

PREFIXES = ["menu", "prof", "lang", "conf", "log", "form", "inv", "part", "grp", "jn", "adm"]
ACTIONS = [
    "view",
    "join",
    "ics",
    "del",
    "delok",
    "edit",
    "repeat",
    "invite",
    "share",
    "notify",
    "delnotify",
    "rep",
    "rp",
    "rd",
    "rdone",
    "re",
    "d1",
    "dall",
    "e1",
    "eall",
    "nm",
    "meet",
    "s",
    "a",
    "qs",
    "qe",
    "save",
    "cancel",
    "send",
    "remember",
    "remind",
    "post",
    "set",
    "back",
    "home",
    "help",
    "schedule",
    "now",
    "log",
    "profile",
    "download",
    "name",
    "email",
    "tz",
    "display",
    "lang",
    "code",
    "password",
    "topic",
    "start",
    "end",
    "allow",
    "review",
    "bsend",
    "bcancel",
    "retry",
    "retryall",
    "noop",
    "block",
    "unblock",
    "resend",
    "dropmail",
]
# {me}, {own} and {victim} become the presser's id, the presser's conference and one of the
# victim's conferences when the example runs.
ARGUMENTS = [
    "{me}",
    "{own}",
    "{victim}",
    "{victim}",
    "1",
    "2",
    "3",
    "4",
    "5",
    "0",
    "-1",
    "00001",
    "in15",
    "in60",
    "tom10",
    "tom15",
    "tom99",
    "in-5",
    "30",
    "60",
    "45",
    "en",
    "ru",
    "de",
    "999999999999999999",
    "9999999999999999999",
    "1001",
    "1002",
    "abc",
    "s",
    "a",
    "_",
    "-",
]


def _fits(data: str) -> bool:
    return len(data.encode()) <= cb.MAX_BYTES


callback_data = st.one_of(
    # Our own shape: prefix, action and ids, valid or not.
    st.from_regex(
        r"\A(menu|prof|lang|conf|log|form|inv|part|grp|jn|adm):[a-z]{0,8}"
        r"(:[0-9a-z-]{0,20}){0,3}\Z"
    ),
    st.builds(
        lambda prefix, action, args: ":".join([prefix, action, *args]),
        st.sampled_from(PREFIXES),
        st.sampled_from(ACTIONS),
        st.lists(st.one_of(st.sampled_from(ARGUMENTS), st.integers(-5, 40).map(str)), max_size=3),
    ),
    # Anything Telegram could carry (1 to 64 bytes) ...
    st.text(min_size=1, max_size=64).filter(_fits),
    st.lists(st.sampled_from(TOKENS + PREFIXES + ACTIONS + [":"]), min_size=1, max_size=8)
    .map("".join)
    .filter(_fits),
    # ... and longer data than Telegram allows.
    st.text(min_size=65, max_size=300),
)


async def _hold_menu(h, user, menu, own, victim):
    return menu


async def _hold_card(h, user, menu, own, victim):
    return await _press(user, menu, f"conf:view:{own}")


async def _hold_log(h, user, menu, own, victim):
    return await _press(user, menu, "menu:log")


async def _hold_review(h, user, menu, own, victim):
    screen = await _press(user, menu, "menu:schedule")
    screen = await _typed(user, "Topic")
    screen = await _press(user, screen, "form:qs:tom15")
    return await _press(user, screen, "form:qe:60")


async def _hold_edit_review(h, user, menu, own, victim):
    return await _press(user, menu, f"conf:edit:{own}")


async def _hold_topic_prompt(h, user, menu, own, victim):
    return await _press(user, menu, "menu:schedule")


async def _hold_profile(h, user, menu, own, victim):
    return await _typed(user, "/profile")


async def _hold_profile_prompt(h, user, menu, own, victim):
    card = await _typed(user, "/profile")
    return await _press(user, card, "prof:email")


async def _hold_invite(h, user, menu, own, victim):
    return await _press(user, menu, f"conf:invite:{own}")


async def _hold_invite_confirm(h, user, menu, own, victim):
    await _press(user, menu, f"conf:invite:{own}")
    return await _typed(user, "first@example.com")


async def _hold_join_prompt(h, user, menu, own, victim):
    return await _press(user, menu, f"conf:join:{own}")


async def _hold_visitor_card(h, user, menu, own, victim):
    """A participant's card of the victim's conference, opened through its deep link."""
    return await _typed(user, f"/start {victim.share_token}")


HOLDINGS = {
    "main menu": _hold_menu,
    "own conference card": _hold_card,
    "conference log": _hold_log,
    "schedule review card": _hold_review,
    "edit review card": _hold_edit_review,
    "schedule topic prompt": _hold_topic_prompt,
    "profile card": _hold_profile,
    "profile e-mail prompt": _hold_profile_prompt,
    "invitation prompt": _hold_invite,
    "invitation confirmation": _hold_invite_confirm,
    "join name prompt": _hold_join_prompt,
    "participant card (deep link)": _hold_visitor_card,
}


@dataclass
class Victim:
    user: object
    conference_ids: list[int]
    share_token: str


@pytest.fixture
async def victim(harness):
    """Someone else, with a scheduled, an online and an archived conference, an invitee
    and a participant: forged presses must never touch any of it."""
    h = harness
    user, _ = await h.started_user("Victim")
    await h.bot.update_profile(user.id, email="victim@example.com", timezone="Europe/Moscow")
    ids = [
        await h.add_conference(user.id, hours, topic=f"Victim's {n}")
        for n, hours in enumerate((3, 0, -5, 30), start=1)
    ]
    conferences = h.bot.services.conferences
    token = await h.bot.services.sharing.share_token(await conferences.owned(user.id, ids[0]))
    friend, _ = await h.started_user("Friend")
    await friend.send(f"/start {token}")
    await friend.expect_message()
    await h.database.execute(
        "INSERT INTO invitations (conference_id, email, created_at) VALUES (:ids, :value, :value2)",
        {"ids": ids[0], "value": "invitee@example.com", "value2": h.bot.clock.timestamp()},
    )
    await h.barrier()
    return Victim(user, ids, token)


def _belongs_to(user_id: int, own_conferences: set[int]):
    """Rows that are the presser's own (they may change through the presser's buttons)."""

    def keep_others(table: str, row: dict) -> bool:
        if table == "users":
            return row["id"] != user_id
        if table == "conferences":
            return row["owner_id"] != user_id
        if table == "outbox":
            return row["owner_id"] != user_id and row["conference_id"] not in own_conferences
        if table in ("participants", "reminders_sent"):
            return row["chat_id"] != user_id and row["conference_id"] not in own_conferences
        if table == "join_waiters":
            return row["user_id"] != user_id and row["conference_id"] not in own_conferences
        if table in ("invitations", "inline_cards"):
            return row["conference_id"] not in own_conferences
        if table == "broadcast_deliveries":
            return row["user_id"] != user_id
        return True

    return keep_others


def _owned_by(snapshot, user_id: int) -> set[int]:
    return {row["id"] for row in snapshot.get("conferences", []) if row["owner_id"] == user_id}


@settings(max_examples=examples(100), **PROPERTY)
@given(
    holding=st.sampled_from(list(HOLDINGS)),
    data=callback_data,
    language=languages,
    pick=st.integers(0, 3),
)
async def test_random_callback_data_is_always_answered_and_touches_nobody_else(
    harness, victim, holding, data, language, pick
):
    h = harness
    user, menu = await h.started_user("Presser", language)
    own = await h.add_conference(user.id, 2)
    data = (
        data.replace("{me}", str(user.id))
        .replace("{own}", str(own))
        .replace("{victim}", str(victim.conference_ids[pick % len(victim.conference_ids)]))
    )
    held = await HOLDINGS[holding](h, user, menu, own, victim)
    await _settle(h, user)
    context = (
        f"holding {holding!r} ({language}), pressed data {data!r}; victim's conferences "
        f"{victim.conference_ids}, the presser's own {own}"
    )
    note(context)
    before = await h.snapshot()
    mark = h.mark()

    await user.press_data(held, data)
    try:
        await user.expect_callback_answer(timeout=REPLY_TIMEOUT)
    except AssertionError as silence:
        raise AssertionError(
            f"{context}: the press was not answered\n{h.problems(mark, user)}"
        ) from silence
    await h.barrier()

    h.assert_clean(mark, user, context=context)
    after = await h.snapshot()
    own_conferences = _owned_by(before, user.id) | _owned_by(after, user.id)
    others = diff(before, after, keep=_belongs_to(user.id, own_conferences))
    assert not others, f"{context}: someone else's data changed:\n" + "\n".join(others)
    if cb.decode(data) is None:
        # Data we never produce (malformed, or too long) is refused as a whole.
        changed = diff(before, after)
        assert not changed, f"{context}: malformed data changed the database:\n" + "\n".join(
            changed
        )


# -- non-text messages ----------------------------------------------------------------


async def _send_sticker(user):
    await user.send_sticker()


async def _send_photo(user):
    await user.send_photo(caption="<b>caption</b> & </a> \u202e")


async def _send_voice(user):
    await user.send_voice()


async def _send_contact(user):
    await user.send_contact()


async def _send_location(user):
    await user.send_location()


async def _send_document(user):
    await user.send_document(
        b"<b>not</b> & text", "notes.txt", mime_type="text/plain", caption="tomorrow 15:00"
    )


NON_TEXT = {
    "sticker": _send_sticker,
    "photo": _send_photo,
    "voice": _send_voice,
    "contact": _send_contact,
    "location": _send_location,
    "document": _send_document,
}


async def _outside_dialog(h, language, zone):
    user, _ = await h.started_user("Idle", language)
    return Entered(user, None)


async def _after_cancel(h, language, zone):
    entered = await _schedule(h, language, zone, 1)
    await _typed(entered.user, "/cancel")
    return entered


async def _review_card(h, language, zone):
    return await _schedule(h, language, zone, 3)


async def _profile_card(h, language, zone):
    user, _ = await h.started_user("Card", language)
    return Entered(user, await _typed(user, "/profile"))


NON_TEXT_STATES: dict[str, Setup] = {
    **TEXT_PROMPTS,
    "outside any dialog": _outside_dialog,
    "after /cancel": _after_cancel,
    "schedule review card": _review_card,
    "profile card": _profile_card,
}


async def test_non_text_messages_get_a_reply_in_every_state(harness):
    """Every kind of non-text message, one after another, in each dialog state (a new
    user for each state): a reply to each, never an error, and nothing stored changes."""
    h = harness
    for state, setup in NON_TEXT_STATES.items():
        entered = await setup(h, "en", "Europe/Moscow")
        user = entered.user
        await _settle(h, user)
        before = await h.snapshot()
        mark = h.mark()
        for kind, send in NON_TEXT.items():
            await send(user)
            try:
                await user.expect_any(timeout=REPLY_TIMEOUT)
            except AssertionError as silence:
                raise AssertionError(
                    f"state {state!r}: no reply to a {kind}\n{h.problems(mark, user)}"
                ) from silence
            await h.barrier()
            h.assert_clean(mark, user, context=f"state {state!r}, sent a {kind}")
        changed = diff(before, await h.snapshot())
        assert not changed, (
            f"state {state!r}: non-text messages changed the database:\n" + "\n".join(changed)
        )


# -- admin arguments ------------------------------------------------------------------

FIRST_ADMIN_ID = 900_000_001
ADMIN_COUNT = 3000  # one new admin per example, even with HOSTILE_INPUT_SCALE=50
ADMIN_COMMANDS = ("stats", "find", "block", "unblock", "outbox", "broadcast")


class TestAdminArguments:
    """Hostile arguments to the admin commands (F13), each example from a new admin;
    and hostile text at the /broadcast prompt. Only /block and /unblock naming an existing
    user may change anything (that user's flag and the audit log); a broadcast changes
    nothing before "Send"."""

    @pytest.fixture
    def bot_settings(self):
        ids = range(FIRST_ADMIN_ID, FIRST_ADMIN_ID + ADMIN_COUNT)
        return {"ADMIN_IDS": ",".join(str(number) for number in ids)}

    @staticmethod
    async def new_admin(h):
        number = h.next_number()
        user = h.emu.user(f"Admin{number}", user_id=FIRST_ADMIN_ID + number)
        await user.send("/start")
        await user.expect_message(timeout=REPLY_TIMEOUT)
        return user

    async def check(self, h, admin, typed: str, *, may_change: set[int]):
        await _settle(h, admin)
        context = f"admin typed {_show(typed)}"
        note(context)
        before = await h.snapshot()
        mark = h.mark()
        await admin.send(typed)
        try:
            await admin.expect_any(timeout=REPLY_TIMEOUT)
        except AssertionError as silence:
            raise AssertionError(f"{context}: no reply\n{h.problems(mark, admin)}") from silence
        await h.barrier()
        h.assert_clean(mark, admin, context=context)
        after = await h.snapshot()
        changed = diff(
            before,
            after,
            keep=lambda table, row: (
                not (
                    table == "audit_log"
                    and may_change
                    or table == "users"
                    and row["id"] in may_change
                )
            ),
        )
        assert not changed, f"{context}: the database changed:\n" + "\n".join(changed)

    @settings(max_examples=examples(40), **PROPERTY)
    @given(
        command=st.sampled_from(ADMIN_COMMANDS),
        arguments=st.one_of(
            hostile_text, digit_like, st.sampled_from(["{victim}", "@Victim", "1" * 19, "0"])
        ),
    )
    async def test_admin_commands_answer_hostile_arguments(
        self, harness, victim, command, arguments
    ):
        h = harness
        admin = await self.new_admin(h)
        arguments = arguments.replace("{victim}", str(victim.user.id))
        typed = f"/{command} {arguments}"[:TELEGRAM_MAX_TEXT]
        words = arguments.split()
        named = (
            {int(words[0])}
            if command in ("block", "unblock")
            and words
            and words[0].isascii()
            and words[0].isdigit()
            else set()
        )
        await self.check(h, admin, typed, may_change=named)

    @pytest.mark.parametrize("typed", ["/find ²", "/block ²", "/unblock ⑤"])
    async def test_digit_like_arguments(self, harness, victim, typed):
        """Minimal reproduction: str.isdigit() is true for "²" and "⑤", which int() refuses;
        the admin must get the usage text or "nothing found", not an error."""
        await self.check(harness, await self.new_admin(harness), typed, may_change=set())

    @settings(max_examples=examples(20), **PROPERTY)
    @given(text=hostile_text)
    async def test_the_broadcast_prompt_answers_hostile_text(self, harness, victim, text):
        h = harness
        admin = await self.new_admin(h)
        await admin.send("/broadcast")
        await admin.expect_message(timeout=REPLY_TIMEOUT)
        await self.check(h, admin, text, may_change=set())


# -- minimal reproductions of what the properties found ---------------------------------


def _long_address(number: int) -> str:
    """A valid address of 203 characters (e-mail allows 254)."""
    return f"{number:02d}{'a' * 60}@{'b' * 63}.{'c' * 63}.{'d' * 8}.com"


async def test_a_long_list_of_valid_addresses_gets_its_confirmation(harness):
    """20 valid addresses in 4079 characters (a message Telegram delivers): the
    confirmation that lists them must still fit in one message."""
    h = harness
    entered = await _invite(h, "en", "UTC")
    user = entered.user
    await _settle(h, user)
    typed = " ".join(_long_address(n) for n in range(20))
    assert len(typed) <= TELEGRAM_MAX_TEXT
    before = await h.snapshot()
    mark = h.mark()
    await user.send(typed)
    await user.expect_any(timeout=REPLY_TIMEOUT)
    await h.barrier()
    h.assert_clean(mark, user, context=f"20 addresses of 203 characters ({len(typed)} chars)")
    assert not diff(before, await h.snapshot())


async def test_the_card_of_a_conference_with_long_invitee_addresses_still_opens(harness):
    """18 long valid addresses are confirmed and sent; the conference card (which lists each
    invitee's delivery) must still fit in a message, right after Send and when reopened."""
    h = harness
    entered = await _invite(h, "en", "UTC")
    user = entered.user
    confirm = await _typed(user, " ".join(_long_address(n) for n in range(18)))
    await _settle(h, user)
    mark = h.mark()
    await user.press_data(confirm, "inv:send")
    await user.expect_callback_answer(timeout=REPLY_TIMEOUT)
    await h.barrier()
    h.assert_clean(mark, user, context="Send to 18 addresses of 203 characters")
    await user.press_data(confirm, f"conf:view:{entered.conference_id}")
    await user.expect_callback_answer(timeout=REPLY_TIMEOUT)
    await h.barrier()
    h.assert_clean(mark, user, context="reopening the card of that conference")


async def test_a_refused_request_is_not_repeated(harness):
    """Telegram refuses an edit that changes nothing ("message is not modified"); the bot
    expects that (handlers/common.py `show`). A refusal (400) is final: it must not be sent
    again, nor delay the next update."""
    h = harness
    user, menu = await h.started_user("Twice")
    await _press(user, menu, "menu:home")  # the greeting becomes the plain menu
    await _settle(h, user)
    mark = h.mark()
    await user.press_data(menu, "menu:home")  # the same screen again: not modified
    await user.expect_callback_answer(timeout=REPLY_TIMEOUT)
    await h.barrier()
    edits = [call for call in h.emu.calls[mark.calls :] if call.method == "editMessageText"]
    assert len(edits) == 1, (
        f"editMessageText was sent {len(edits)} times for one press: "
        + ", ".join(f"{call.error_code}" for call in edits)
    )
