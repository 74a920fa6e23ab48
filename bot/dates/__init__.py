"""Parsing of conference start/end times typed by users (English and Russian).

Import from here: :func:`parse_start`, :func:`parse_end`,
:func:`parse_duration`, :func:`understand_start` (what the form asks: a moment,
a day awaiting a time, or a range), :func:`warm_up` and the constants below.
The modules of this package are its inner parts:

* :mod:`bot.dates.common` - input limits, normalisation, zone helpers;
* :mod:`bot.dates.durations` - durations and relative offsets ("in 2 hours");
* :mod:`bot.dates.fast` - the fast regex path and its decisions for
  ambiguous forms;
* :mod:`bot.dates.fallback` - the lazily imported dateparser fallback;
* :mod:`bot.dates.moments` - fast path then fallback; :func:`parse_start`;
* :mod:`bot.dates.ends` - the end rules (:func:`parse_end`);
* :mod:`bot.dates.starts` - :func:`understand_start`: days awaiting a time,
  ranges ("tomorrow 15:00-16:00", "завтра с 15 до 16");
* :mod:`bot.dates.zones` - zone abbreviations ("EST", "CET", "мск") and the
  regions they mean.

Everything here is a pure function: no Telegram, no I/O, no clock.  Every
function that needs "the current moment" takes ``now`` (an aware datetime,
normally UTC) explicitly, so tests can use a fixed clock.

Times are read in the *user's* time zone (an IANA name handled by
:mod:`zoneinfo`) and returned as aware UTC datetimes.

How a text is parsed
--------------------
1. It is normalised (lower-cased, ``ё`` -> ``е``, whitespace collapsed,
   trailing punctuation dropped).  Texts longer than 200 characters or with
   control characters are rejected up front.
2. A fast regex path (:mod:`bot.dates.fast`) handles the common forms without
   dateparser: ``HH:MM``, ``3pm``, ``в 9``, ``today/tomorrow/сегодня/завтра/
   послезавтра + time`` (also ``yesterday/вчера/позавчера``), weekdays,
   numeric dates, month names, relative offsets and ``now``/``сейчас``.  When
   the fast path recognises the *shape* of the text but the values are invalid
   (``32.13 10:00``, ``25:00``) the text is rejected without asking dateparser
   (which would happily guess something).
3. Anything else goes to dateparser (:mod:`bot.dates.fallback`), restricted to
   English and Russian (the user's language first), with
   ``PREFER_DATES_FROM='future'`` and ``RELATIVE_BASE`` = ``now`` as a naive
   local wall time.  Its results are accepted only if they contain a time of
   day.

Decisions for ambiguous forms
-----------------------------
The decisions for the forms the fast path reads (bare times and numbers,
numeric dates, weekdays, part-of-day words, relative offsets) are listed in
:mod:`bot.dates.fast`, those for ends in :mod:`bot.dates.ends`.  Across both
paths:

* A date without a time of day ("tomorrow", "25.12", "через 2 дня") is
  rejected by :func:`parse_start` (a conference needs a time);
  :func:`understand_start` answers it as a day, so the form can ask for the
  time on that day.
* Wall times are localised with zoneinfo, ``fold=0``: a time inside a DST gap
  (e.g. 02:30 on the spring-forward night in New York) is read with the
  pre-transition offset, i.e. it lands one hour later on the clock (03:30);
  an ambiguous time (fall-back night) means its first occurrence.
* Moments are truncated to the whole minute, except "now"/"сейчас" which is
  ``now`` itself; an end computed as start + duration keeps the start's
  precision.
* An explicit time zone overrides the user's zone.  An abbreviation at the end
  ("10:00 EST", "в 15 по мск") means its region's clock, with daylight-saving
  time (EST in July is EDT, :mod:`bot.dates.zones`); other zones dateparser
  understands ("15:00 UTC+5") are read by it.
"""

from __future__ import annotations

from bot.dates.common import MAX_INPUT_LENGTH, PAST_GRACE
from bot.dates.durations import MAX_PARSED_DURATION, parse_duration
from bot.dates.ends import parse_end
from bot.dates.moments import parse_start, warm_up
from bot.dates.starts import (
    StartAnswer,
    StartDay,
    StartMoment,
    StartRange,
    local_today,
    understand_start,
    wall_time,
)
from bot.dates.zones import ZONE_ABBREVIATIONS, zone_of_abbreviation

__all__ = [
    "MAX_PARSED_DURATION",
    "MAX_INPUT_LENGTH",
    "PAST_GRACE",
    "ZONE_ABBREVIATIONS",
    "StartAnswer",
    "StartDay",
    "StartMoment",
    "StartRange",
    "local_today",
    "parse_duration",
    "parse_end",
    "parse_start",
    "understand_start",
    "wall_time",
    "warm_up",
    "zone_of_abbreviation",
]
