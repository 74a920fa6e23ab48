"""B5: date parsing (bot.dates) against dateparser with its default settings.

- First parse: a FRESH interpreter per measurement, timed from just before the import to
  the first result (interpreter start-up excluded), for a phrase bot.dates hands to
  dateparser ("in 2 days at 10:00": the slow path) and one it reads itself (fast path);
  baseline: `import dateparser; dateparser.parse(same phrase)`. Median of 3 processes.
- Warm: every phrase of a mixed list per language, 30 rounds, through parse_start (and
  parse_end for end phrases); baseline dateparser.parse(text) on the same texts.
- Form: what the schedule form calls, understand_start, on the start phrases plus days
  without a time, ranges and zone abbreviations, 30 rounds per language; baseline
  dateparser.parse(text) on the same texts.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.common import ROOT, Result, child_env, ms, p50, p99

ROUNDS = 30
START = {
    "en": [
        "tomorrow 15:00",
        "25.12 10:30",
        "in 2 hours",
        "next friday 5pm",
        "dec 25 10:30",
        "monday 10:00",
        "3pm",
        "2026-12-25 10:30",
        "tonight at 9",
        "15:00",
        "in 2 days at 10:00",
        "the day after tomorrow at 11am",
        "friday at noon",
        "december 24th at 6 pm",
    ],
    "ru": [
        "завтра в 15:00",
        "25.12 10:30",
        "через 2 часа",
        "в следующую пятницу в 17:00",
        "25 декабря в 10:30",
        "послезавтра в 9 утра",
        "в понедельник в 10:00",
        "сегодня в 18:30",
        "через полчаса",
        "15:00",
        "через 2 дня в 10:00",
        "в субботу утром в 11",
        "31 декабря в 23:00",
        "через неделю в 12:00",
    ],
}
END = {
    "en": ["90 min", "1h30", "16:30", "for 2 hours", "until 17:00", "45"],
    "ru": ["полтора часа", "1 ч 30 мин", "16:30", "на 2 часа", "до 17:00", "45"],
}
# What the form reads beyond parse_start: days awaiting a time, ranges, zones, yesterday.
FORM = {
    "en": [
        "friday",
        "tomorrow",
        "25.12",
        "in 2 days",
        "tomorrow 15:00-16:00",
        "friday 10am to 11:30am",
        "15:00-16:00",
        "10:00 EST",
        "yesterday at 10",
    ],
    "ru": [
        "в пятницу",
        "завтра",
        "3 декабря",
        "через 2 дня",
        "завтра с 15 до 16",
        "завтра 15:00-16:00",
        "в 15 по мск",
        "вчера в 10",
    ],
}
SLOW_PHRASE = "in 2 days at 10:00"
FAST_PHRASE = "tomorrow 15:00"

_FIRST_BOT = """
import time, sys
t0 = time.perf_counter()
from datetime import datetime, timezone
from bot.dates import parse_start
r = parse_start(sys.argv[1], now=datetime.now(timezone.utc), tz="Europe/Moscow", language="en")
print(time.perf_counter() - t0, r is not None)
"""
_FIRST_DATEPARSER = """
import time, sys
t0 = time.perf_counter()
import dateparser
r = dateparser.parse(sys.argv[1])
print(time.perf_counter() - t0, r is not None)
"""


def first_parse(code: str, phrase: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code, phrase],
            env=child_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if out[1] != "True":
            raise RuntimeError(f"first parse of {phrase!r} gave no result")
        times.append(float(out[0]))
    return statistics.median(times)


def warm(result: Result) -> None:
    import dateparser

    from bot.dates import parse_end, parse_start, warm_up

    warm_up()
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    start = now + timedelta(days=1)
    for language in ("en", "ru"):
        mine, base, misses = [], [], []
        for text in START[language] + END[language]:  # warm both once
            dateparser.parse(text)
        for _ in range(ROUNDS):
            for text in START[language]:
                t0 = time.perf_counter()
                got = parse_start(text, now=now, tz="Europe/Moscow", language=language)
                t1 = time.perf_counter()
                dateparser.parse(text)
                t2 = time.perf_counter()
                mine.append(t1 - t0)
                base.append(t2 - t1)
                if got is None and text not in misses:
                    misses.append(text)
            for text in END[language]:
                t0 = time.perf_counter()
                got = parse_end(text, start=start, now=now, tz="Europe/Moscow", language=language)
                t1 = time.perf_counter()
                dateparser.parse(text)
                t2 = time.perf_counter()
                mine.append(t1 - t0)
                base.append(t2 - t1)
                if got is None and text not in misses:
                    misses.append(text)
        phrases = len(START[language]) + len(END[language])
        result.note(
            f"{language}: {phrases} phrases x {ROUNDS}: bot.dates p50 {ms(p50(mine))}, "
            f"p99 {ms(p99(mine))}; dateparser.parse p50 {ms(p50(base))}, "
            f"p99 {ms(p99(base))}" + (f"; not understood: {misses}" if misses else "")
        )
        result.add(
            f"warm parse, {language}: p50 / p99",
            f"{ms(p50(mine))} / {ms(p99(mine))}",
            f"{ms(p50(base))} / {ms(p99(base))}",
            f"{p50(mine) / p50(base):.2f}",
            "p50 <= 2 ms",
            p50(mine) <= 0.002,
        )


def form(result: Result) -> None:
    """understand_start, the form's entry point, on everything a start may be."""
    import dateparser

    from bot.dates import understand_start, warm_up

    warm_up()
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    for language in ("en", "ru"):
        texts = START[language] + FORM[language]
        mine, base, misses = [], [], []
        for text in texts:
            dateparser.parse(text)
        for _ in range(ROUNDS):
            for text in texts:
                t0 = time.perf_counter()
                got = understand_start(text, now=now, tz="Europe/Moscow", language=language)
                t1 = time.perf_counter()
                dateparser.parse(text)
                t2 = time.perf_counter()
                mine.append(t1 - t0)
                base.append(t2 - t1)
                if got is None and text not in misses:
                    misses.append(text)
        result.note(
            f"{language}: understand_start on {len(texts)} phrases x {ROUNDS}: "
            f"p50 {ms(p50(mine))}, p99 {ms(p99(mine))}; dateparser.parse p50 "
            f"{ms(p50(base))}, p99 {ms(p99(base))}"
            + (f"; not understood: {misses}" if misses else "")
        )
        result.add(
            f"form's understand_start, {language}: p50 / p99",
            f"{ms(p50(mine))} / {ms(p99(mine))}",
            f"{ms(p50(base))} / {ms(p99(base))}",
            f"{p50(mine) / p50(base):.2f}",
            "p50 <= 2 ms",
            p50(mine) <= 0.002,
        )


def run(result: Result) -> None:
    slow = first_parse(_FIRST_BOT, SLOW_PHRASE)
    fast = first_parse(_FIRST_BOT, FAST_PHRASE, runs=1)
    base = first_parse(_FIRST_DATEPARSER, SLOW_PHRASE)
    result.note(
        f"first parse in a fresh process: {SLOW_PHRASE!r} {slow:.2f} s "
        f"(dateparser path), {FAST_PHRASE!r} {fast:.2f} s (fast path); "
        f"dateparser.parse {base:.2f} s"
    )
    result.add(
        f"first parse, {SLOW_PHRASE!r} (import + parse)",
        f"{slow:.2f} s",
        f"{base:.2f} s (dateparser)",
        f"{slow / base:.2f}",
        "<= 1.5 s",
        slow <= 1.5,
    )
    result.add(f"first parse, {FAST_PHRASE!r} (fast path)", f"{fast:.2f} s", "", "", "(info)")
    warm(result)
    form(result)
