"""Resolve temporal expressions (ARGM-TMP spans) to a calendar date + precision.

``resolve_date(text, published, tense)`` turns the time argument of an event
("on Wednesday", "at the beginning of June", "last week", "in 2019") into a
:class:`ResolvedDate` anchored on the article's publication date.  It is pure,
offline (``dateparser`` only, with ``languages=["en"]`` so no language
detection runs) and memoised per ``(text, published, tense)``.

Output
    ``date`` is a :class:`datetime.date`; ``precision`` is ``"day"``,
    ``"month"`` or ``"year"``.  Month precision gives the first day of the
    month, year precision 1 January.  Anything that does not name a calendar
    date gives ``ResolvedDate(None, None)``; the function never raises.

Rules (``tense`` is ``"past"``, ``"future"`` or ``None`` = present/unknown)
    * Leading prepositions and hedges are dropped before resolving: "on",
      "at", "in", "by", "since", "until", "after", "before", "as of", "back",
      "sometime", "early", "late", "mid-", "earlier", "later", "the
      beginning/start/middle/end of", "the first/last week of", "the first half
      of", "the morning/night of", ...  They move a point inside the period;
      they do not change which period is meant, so "late last year" is last
      year and "mid-June" is June.  Clock times ("at 3 p.m.") are dropped too.
    * A bare weekday ("Thursday", "on Wednesday", "this Monday") is the most
      recent such day ON OR BEFORE publication for past/None tense (a weekday
      equal to the publication day is that day), and the next one ON OR AFTER
      publication for future tense.  "last <weekday>" is the most recent one
      STRICTLY before publication and "next <weekday>" the first one STRICTLY
      after, whatever the tense ("next Friday" published on a Thursday is the
      next day).  "<weekday> last/this/next week" is that weekday inside that
      ISO week.  "(over) the weekend" is the Saturday, found like a weekday.
    * A month without a year ("in June", "at the beginning of June", "on
      March 3", "Dec. 25", "last June") takes the publication year; for past
      tense, when that would start after publication, the previous year; for
      future tense, when it would end before publication, the next year.
      "last <month>" is the latest one that has ended, "next <month>" the
      first one that has not started.  A bare ordinal ("on the 15th") works the
      same way inside the publication month.
    * Weeks have no precision of their own: "last week", "this week", "next
      week", "two weeks ago" resolve to the MONDAY of that ISO week with
      precision "day" (the Monday identifies the week; it does not claim the
      event happened on Monday).
    * "this/last/next month", "earlier this month", "N months ago" -> the
      first of that month, precision "month"; "this/last/next year", "late
      last year", "N years ago" -> 1 January, precision "year".
    * "yesterday", "today", "now", "currently", "tonight", "this morning",
      "last night" (= yesterday), "tomorrow", "N days ago" -> precision "day".
      "in N days/weeks/months/years" counts forward from publication unless
      the tense is past (then "in two weeks" is a duration -> None); "N ...
      from now" always counts forward.
    * Seasons resolve to their YEAR only (precision "year"), northern
      meteorological seasons (spring = Mar-May, summer = Jun-Aug, autumn/fall
      = Sep-Nov), with the same past/future year rule as months.  A winter
      straddles two years, so a relative winter ("last winter", "in the
      winter") is None; "winter 2020" is 2020.
    * Decades and centuries ("the 1990s", "the '90s", "the 20th century") are
      None: the precision vocabulary has nothing coarser than a year, and
      1990/"year" would claim ten times more than the text says.
    * Vague or non-calendar expressions are None: "recently", "for years",
      "always", "after the talks", "when he arrived", "in the coming weeks",
      "the past few days", "a few days ago", "the next day" (relative to the
      story, not to publication), "", and anything over 80 characters.
    * With ``published=None`` only absolute expressions resolve ("in 2019",
      "June 19, 2024", "March 2020"); everything relative or year-less is None.
    * Numeric dates are read month-first (``DATE_ORDER="MDY"``, dateparser's
      English default and US news usage) unless the form is unambiguous
      ("2024-06-19", "19.06.2024").

``dateparser`` is the base for absolute dates (its ``DateData.period`` gives
the precision).  It is only ever fed what is left after our own handling of
relative expressions, restricted to its ``absolute-time`` parser and to a
whitelist of date-shaped tokens, because on its own it reads far too much
("1990s" as 1990 seconds ago, a bare "20" as 20 January, 10-digit numbers as
timestamps) and its weekday/month direction differs from the rules above
(a past "Thursday" on a Thursday is a week earlier; a future "June" in June is
next year).  ``STRICT_PARSING``/``REQUIRE_PARTS`` are not used: month- and
year-only expressions are wanted, and the period tells us what was present.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Optional

from dateparser.date import DateDataParser

__all__ = ["ResolvedDate", "resolve_date"]


@dataclass(frozen=True)
class ResolvedDate:
    """A calendar date and how much of it the text actually said."""

    date: Optional[
        datetime.date
    ]  # month/year precision -> first day of that month/year
    precision: Optional[str]  # "day" | "month" | "year" | None


_NONE = ResolvedDate(None, None)
_MAX_LEN = 80
_ONE_DAY = datetime.timedelta(days=1)

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
}
# Northern meteorological seasons: first month of each.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

_MONTH_RE = r"(?:%s)\.?" % "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = r"(?:%s)\.?" % "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_NUM_RE = r"(?:\d{1,3}|%s)" % "|".join(sorted(_NUMBERS, key=len, reverse=True))
_UNIT_RE = r"(?:day|week|month|year)s?"

# Hedges that only move the point inside the named period.  The flag says
# whether it is a "position" hedge, after which "the month" means this month
# ("by the end of the month").
_POSITION_HEDGES = [
    "the very beginning of",
    "the very start of",
    "the very end of",
    "the beginning of",
    "beginning of",
    "the start of",
    "start of",
    "the middle of",
    "middle of",
    "the end of",
    "end of",
    "the close of",
    "the first half of",
    "the second half of",
    "first half of",
    "second half of",
    "the first week of",
    "the second week of",
    "the third week of",
    "the last week of",
    "the final week of",
    "the first days of",
    "the last days of",
    "the final days of",
    "the first weeks of",
    "the last weeks of",
    "the first months of",
    "the last months of",
    "the early part of",
    "the latter part of",
    "the later part of",
    "the early",
    "the late",
    "the mid",
    "very early",
    "very late",
    "early",
    "late",
    "mid",
    "earlier",
    "later",
]
_PLAIN_HEDGES = [
    "on",
    "at",
    "in",
    "by",
    "since",
    "until",
    "till",
    "til",
    "from",
    "during",
    "throughout",
    "through",
    "around",
    "about",
    "circa",
    "approximately",
    "roughly",
    "as of",
    "as early as",
    "as late as",
    "as recently as",
    "as soon as",
    "as far back as",
    "no later than",
    "no earlier than",
    "not until",
    "not before",
    "not after",
    "sometime",
    "some time",
    "starting",
    "beginning",
    "effective",
    "after",
    "before",
    "shortly after",
    "shortly before",
    "just after",
    "just before",
    "soon after",
    "right after",
    "ahead of",
    "prior to",
    "over",
    "back",
    "way back",
    "only",
    "just",
    "even",
    "the week of",
    "the weekend of",
    "the morning of",
    "the afternoon of",
    "the evening of",
    "the night of",
    "the day of",
]
_HEDGE_RE = re.compile(
    r"^(%s)\s+"
    % "|".join(
        re.escape(h)
        for h in sorted(_POSITION_HEDGES + _PLAIN_HEDGES, key=len, reverse=True)
    )
)
_POSITION_SET = frozenset(_POSITION_HEDGES)

# Clock times carry no calendar information; drop them (with a time zone).
_TIME_RE = re.compile(
    r"\b(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\d{1,2}:\d{2}|noon|midnight)"
    r"(?:\s+(?:et|est|edt|ct|cst|cdt|pt|pst|pdt|gmt|bst|cet|cest|utc|local time))?(?=\W|$)"
)
_DAYPART_RE = re.compile(r"^(.*\S)\s+(?:morning|afternoon|evening|night)$")
_DECADE_RE = re.compile(
    r"^(?:the\s+)?(?:'?\d{2}|\d{3}0)'?s$|^(?:the\s+)?(?:twenties|thirties|forties|fifties|"
    r"sixties|seventies|eighties|nineties)$|^(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\s+century$"
)

# Tokens the absolute (dateparser) fallback may see; anything else is not a date.
_DAY_TOKEN = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_NUMERIC_DATE = r"(?:\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}(?:[-/.](?:\d{2}|\d{4}))?)"
_TOKEN_RE = re.compile(
    r"^(?:%s|%s|\d{4}|%s|of|the)$" % (_MONTH_RE, _DAY_TOKEN, _NUMERIC_DATE)
)


def resolve_date(
    text: str, published: Optional[datetime.date], tense: Optional[str] = None
) -> ResolvedDate:
    """Resolve an ARGM-TMP span to a date and precision; see the module docstring."""
    try:
        if not isinstance(text, str):
            return _NONE
        # Checked before the cache so that huge strings are never kept in it.
        if len(text) > 4 * _MAX_LEN or len(text.strip()) > _MAX_LEN:
            return _NONE
        if isinstance(published, datetime.datetime):
            published = published.date()
        elif published is not None and not isinstance(published, datetime.date):
            return _NONE
        if tense not in ("past", "future"):
            tense = None
        return _resolve_cached(text, published, tense)
    except Exception:  # never let one odd span kill a bundle
        return _NONE


@functools.lru_cache(maxsize=65536)
def _resolve_cached(
    text: str, published: Optional[datetime.date], tense: Optional[str]
) -> ResolvedDate:
    try:
        return _resolve(text, published, tense)
    except Exception:
        return _NONE


# --------------------------------------------------------------------------- helpers


def _day(d: datetime.date) -> ResolvedDate:
    return ResolvedDate(d, "day")


def _month(year: int, month: int) -> ResolvedDate:
    return ResolvedDate(datetime.date(year, month, 1), "month")


def _year(year: int) -> ResolvedDate:
    return ResolvedDate(datetime.date(year, 1, 1), "year")


def _monday(d: datetime.date) -> datetime.date:
    return d - datetime.timedelta(days=d.weekday())


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def _on_or_before(d: datetime.date, weekday: int) -> datetime.date:
    return d - datetime.timedelta(days=(d.weekday() - weekday) % 7)


def _on_or_after(d: datetime.date, weekday: int) -> datetime.date:
    return d + datetime.timedelta(days=(weekday - d.weekday()) % 7)


def _number(word: str) -> Optional[int]:
    word = word.strip()
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


def _month_year(
    pub: datetime.date, tense: Optional[str], month: int, day: Optional[int] = None
) -> int:
    """Year for a year-less month (or month + day), per the tense rule."""
    year = pub.year
    # Compare as tuples so that Feb 29 is not constructed in a non-leap year here.
    if day is None:
        if tense == "past" and month > pub.month:  # would start after publication
            year -= 1
        elif tense == "future" and month < pub.month:  # would end before publication
            year += 1
    else:
        if tense == "past" and (month, day) > (pub.month, pub.day):
            year -= 1
        elif tense == "future" and (month, day) < (pub.month, pub.day):
            year += 1
    return year


def _season(
    pub: datetime.date, tense: Optional[str], which: str, start: int
) -> ResolvedDate:
    def begin(y: int) -> datetime.date:
        return datetime.date(y, start, 1)

    def end(y: int) -> datetime.date:  # last day of the season
        y2, m2 = _add_months(y, start, 3)
        return datetime.date(y2, m2, 1) - _ONE_DAY

    y = pub.year
    if which == "last":
        if end(y) >= pub:
            y -= 1
    elif which == "next":
        if begin(y) <= pub:
            y += 1
    else:
        if tense == "past" and begin(y) > pub:
            y -= 1
        elif tense == "future" and end(y) < pub:
            y += 1
    return _year(y)


@functools.lru_cache(maxsize=512)
def _parser(base: Optional[datetime.date], tense: Optional[str]) -> DateDataParser:
    settings = {
        # Only absolute dates reach dateparser; relative ones are handled above
        # it, and "timestamp"/"no-spaces-time" would turn plain numbers into dates.
        "PARSERS": ["absolute-time"],
        "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_MONTH_OF_YEAR": "first",
        "PREFER_DATES_FROM": {"past": "past", "future": "future"}.get(
            tense, "current_period"
        ),
        "DATE_ORDER": "MDY",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = datetime.datetime.combine(base, datetime.time(12))
    return DateDataParser(languages=["en"], settings=settings)


# --------------------------------------------------------------------------- core


def _normalise(text: str) -> str:
    s = (
        text.lower()
        .replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u2013", "-")
    )
    s = re.sub(r"\s+", " ", s).strip()
    s = _TIME_RE.sub(" ", s)
    s = re.sub(r"\bmid-", "mid ", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip(" ,;:()[]\"'!?.")


def _resolve(
    text: str, pub: Optional[datetime.date], tense: Optional[str]
) -> ResolvedDate:
    s = _normalise(text)
    if not s:
        return _NONE

    stripped: list[str] = []
    while True:
        m = _HEDGE_RE.match(s)
        if not m:
            break
        stripped.append(m.group(1))
        s = s[m.end() :].strip(" ,")
    positional = any(h in _POSITION_SET for h in stripped)
    if not s:
        return _NONE

    s = re.sub(r"^this past\b", "last", s)
    s = re.sub(r"^this coming\b", "next", s)
    s = re.sub(r"^the (?:past|previous) (%s)$" % _WEEKDAY_RE, r"last \1", s)
    if positional:  # "by the end of the month" -> this month
        s = re.sub(r"^the (week|month|year)$", r"this \1", s)

    if _DECADE_RE.match(s):
        return _NONE  # documented choice: no decade precision

    # "June of last year", "March 3 this year" -> an explicit year.
    m = re.match(r"^(.*%s.*?)\s*,?\s+(?:of\s+)?(this|last|next) year$" % _MONTH_RE, s)
    if m:
        if pub is None:
            return _NONE
        year = pub.year + {"this": 0, "last": -1, "next": 1}[m.group(2)]
        s = "%s %d" % (m.group(1).strip(" ,"), year)

    rel = _relative(s, pub, tense, stripped)
    if rel is not None:
        return rel
    return _absolute(s, pub, tense)


def _relative(
    s: str, pub: Optional[datetime.date], tense: Optional[str], stripped: list[str]
) -> Optional[ResolvedDate]:
    """Expressions anchored on publication.  None = not a relative expression."""
    if s == "last night":
        return _day(pub - _ONE_DAY) if pub else _NONE
    if s in ("tonight", "this morning", "this afternoon", "this evening"):
        return _day(pub) if pub else _NONE
    m = _DAYPART_RE.match(s)
    if m and not m.group(1).endswith(("the", "of", "this", "last", "next")):
        s = m.group(1)  # "Thursday night" -> Thursday

    simple = {
        "today": 0,
        "now": 0,
        "currently": 0,
        "right now": 0,
        "at present": 0,
        "at the moment": 0,
        "this day": 0,
        "yesterday": -1,
        "tomorrow": 1,
        "the day before yesterday": -2,
        "the day after tomorrow": 2,
    }
    if s in simple:
        return _day(pub + datetime.timedelta(days=simple[s])) if pub else _NONE

    # Weekdays.
    m = re.match(r"^(?:(last|next|this|past|coming)\s+)?(%s)$" % _WEEKDAY_RE, s)
    if m:
        if pub is None:
            return _NONE
        which, wd = m.group(1), _WEEKDAYS[m.group(2).rstrip(".")]
        if which in ("last", "past"):
            return _day(_on_or_before(pub - _ONE_DAY, wd))
        if which in ("next", "coming"):
            return _day(_on_or_after(pub + _ONE_DAY, wd))
        return _day(
            _on_or_after(pub, wd) if tense == "future" else _on_or_before(pub, wd)
        )
    m = re.match(r"^(%s),?\s+(?:of\s+)?(last|this|next)\s+week$" % _WEEKDAY_RE, s)
    if m:
        if pub is None:
            return _NONE
        shift = {"last": -7, "this": 0, "next": 7}[m.group(2)]
        wd = _WEEKDAYS[m.group(1).rstrip(".")]
        return _day(_monday(pub) + datetime.timedelta(days=shift + wd))
    m = re.match(r"^(%s),?\s+(.+)$" % _WEEKDAY_RE, s)
    if m and re.search(r"\d|%s" % _MONTH_RE, m.group(2)):
        return _absolute(m.group(2), pub, tense)  # "Thursday, June 20" -> the date

    # Weekends -> the Saturday.
    m = re.match(r"^(?:(the|this|last|next|past|coming)\s+)?weekend$", s)
    if m:
        if pub is None:
            return _NONE
        which = m.group(1)
        if which in ("last", "past"):
            sat = _on_or_before(pub, 5)
            return _day(sat - datetime.timedelta(days=7) if pub.weekday() >= 5 else sat)
        if which in ("next", "coming"):
            return _day(_on_or_after(pub + _ONE_DAY, 5))
        return _day(
            _on_or_after(pub, 5) if tense == "future" else _on_or_before(pub, 5)
        )

    # this/last/next week|month|year.
    m = re.match(r"^(this|last|next)\s+(week|month|year)$", s)
    if m:
        if pub is None:
            return _NONE
        n = {"this": 0, "last": -1, "next": 1}[m.group(1)]
        return _shift(pub, m.group(2), n)

    # N units ago / N units from now / in N units.
    m = re.match(r"^(%s)\s+(%s)\s+(ago|from now|hence)$" % (_NUM_RE, _UNIT_RE), s)
    if m is None and stripped and stripped[-1] == "in" and tense != "past":
        m = re.match(r"^(%s)\s+(%s)()$" % (_NUM_RE, _UNIT_RE), s)
    if m:
        n = _number(m.group(1))
        if pub is None or n is None:
            return _NONE
        unit = m.group(2).rstrip("s")
        return _shift(pub, unit, -n if m.group(3) == "ago" else n)

    # Seasons.
    m = re.match(
        r"^(?:(the|this|last|next|past|coming)\s+)?(spring|summer|autumn|fall|winter)"
        r"(?:,?\s+(?:of\s+)?(\d{4}))?$",
        s,
    )
    if m:
        which, season, year = m.group(1), m.group(2), m.group(3)
        if year:
            return _year(int(year))
        if pub is None or season == "winter":
            return _NONE  # a relative winter straddles two years
        which = {"past": "last", "coming": "next"}.get(which, which)
        return _season(pub, tense, which, _SEASONS[season])

    # last/this/next <month>.
    m = re.match(r"^(last|this|next|past|coming)\s+(%s)$" % _MONTH_RE, s)
    if m:
        if pub is None:
            return _NONE
        which, month = m.group(1), _MONTHS[m.group(2).rstrip(".")]
        if which in ("last", "past"):
            return _month(pub.year if month < pub.month else pub.year - 1, month)
        if which in ("next", "coming"):
            return _month(pub.year if month > pub.month else pub.year + 1, month)
        return _month(pub.year, month)

    # A bare ordinal day: "on the 15th".
    m = re.match(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)$", s)
    if m:
        if pub is None:
            return _NONE
        day, y, mo = int(m.group(1)), pub.year, pub.month
        if tense == "past" and day > pub.day:
            y, mo = _add_months(y, mo, -1)
        elif tense == "future" and day < pub.day:
            y, mo = _add_months(y, mo, 1)
        return _day(datetime.date(y, mo, day))
    return None


def _shift(pub: datetime.date, unit: str, n: int) -> ResolvedDate:
    if unit == "day":
        return _day(pub + datetime.timedelta(days=n))
    if unit == "week":  # a week is named by its Monday (documented)
        return _day(_monday(pub + datetime.timedelta(days=7 * n)))
    if unit == "month":
        return _month(*_add_months(pub.year, pub.month, n))
    return _year(pub.year + n)


def _absolute(
    s: str, pub: Optional[datetime.date], tense: Optional[str]
) -> ResolvedDate:
    """Calendar dates proper, parsed by dateparser after a token whitelist."""
    tokens = [t for t in re.split(r"[\s,]+", s) if t]
    if not tokens or not all(_TOKEN_RE.match(t) for t in tokens):
        return _NONE
    has_month = any(re.fullmatch(_MONTH_RE, t) for t in tokens)
    numeric = [t for t in tokens if re.fullmatch(_NUMERIC_DATE, t)]
    years = [t for t in tokens if re.fullmatch(r"\d{4}", t)]
    if not (has_month or numeric or years) or len(numeric) > 1 or len(years) > 1:
        return _NONE  # a bare "20" or "the 3rd" of nothing is not a date
    if numeric and (has_month or years):
        return _NONE
    has_year = bool(years) or any(
        re.match(r"^\d{4}", t) or len(re.split(r"[-/.]", t)) == 3 for t in numeric
    )
    if not has_year and pub is None:
        return _NONE

    data = _parser(pub, tense).get_date_data(" ".join(tokens))
    if data is None or data.date_obj is None:
        return _NONE
    d, period = data.date_obj.date(), data.period
    if not has_year:
        if period == "month":
            return _month(_month_year(pub, tense, d.month), d.month)
        if period in ("day", "time"):
            return _day(
                datetime.date(_month_year(pub, tense, d.month, d.day), d.month, d.day)
            )
        return _NONE
    if not 1000 <= d.year <= 2999:
        return _NONE
    if period == "year":
        return _year(d.year)
    if period == "month":
        return _month(d.year, d.month)
    if period == "week":
        return _day(_monday(d))
    return _day(d)
