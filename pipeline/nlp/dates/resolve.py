"""Resolution of a temporal expression against the publication date.

``resolve_date`` (memoised, never raises) normalises a span, strips its
hedges, then tries the relative readings (weekdays, weekends, this/last/next,
N units ago, seasons, bare ordinals) and falls back to dateparser for absolute
calendar dates; the result carries its precision (day, week, month or year).
A span that names no date as a whole is searched for one inside it
(:mod:`pipeline.nlp.dates.spans` proposes the windows). The rules are in the
package docstring (:mod:`pipeline.nlp.dates`); the words and patterns in
:mod:`pipeline.nlp.dates.expressions`.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Optional

from dateparser.date import DateDataParser

from pipeline.nlp.dates.expressions import (
    _DAYPART_RE,
    _DECADE_RE,
    _HEDGE_RE,
    _MONTH_RE,
    _MONTHS,
    _NUM_RE,
    _NUMERIC_DATE,
    _POSITION_SET,
    _SEASONS,
    _TOKEN_RE,
    _UNIT_RE,
    _WEEKDAY_RE,
    _WEEKDAYS,
    _normalise,
    _number,
)
from pipeline.nlp.dates.spans import windows

__all__ = ["ResolvedDate", "resolve_date"]


@dataclass(frozen=True)
class ResolvedDate:
    """A calendar date and how much of it the text actually said."""

    # week/month/year precision -> that week's Monday, the month's or year's first day
    date: Optional[datetime.date]
    precision: Optional[str]  # "day" | "week" | "month" | "year" | None


_NONE = ResolvedDate(None, None)
_MAX_LEN = 80  # longest span resolved as a whole; a longer one is only searched
_MAX_SPAN = 4 * _MAX_LEN  # longest span looked at at all
_ONE_DAY = datetime.timedelta(days=1)


def resolve_date(
    text: str, published: Optional[datetime.date], tense: Optional[str] = None
) -> ResolvedDate:
    """Resolve an ARGM-TMP span to a date and precision; see the package docstring."""
    try:
        if not isinstance(text, str):
            return _NONE
        # Checked before the cache so that huge strings are never kept in it.
        if len(text) > _MAX_SPAN:
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
        if len(text.strip()) <= _MAX_LEN:
            whole = _resolve(text, published, tense)
            if whole.date is not None:
                return whole
        # A span that runs on past its date ("on Monday in a statement that
        # ...") names no date as a whole, and its event would get the
        # publication date: try the windows around its date words instead,
        # leftmost first. Vague spans have no such words: still nothing.
        for window in windows(text):
            found = _resolve(window, published, tense)
            if found.date is not None:
                return found
        return _NONE
    except Exception:
        return _NONE


# --------------------------------------------------------------------------- helpers


def _day(d: datetime.date) -> ResolvedDate:
    return ResolvedDate(d, "day")


def _month(year: int, month: int) -> ResolvedDate:
    return ResolvedDate(datetime.date(year, month, 1), "month")


def _year(year: int) -> ResolvedDate:
    return ResolvedDate(datetime.date(year, 1, 1), "year")


def _week(d: datetime.date) -> ResolvedDate:
    """The ISO week of ``d``, named by its Monday (the schema's convention)."""
    return ResolvedDate(_monday(d), "week")


def _monday(d: datetime.date) -> datetime.date:
    return d - datetime.timedelta(days=d.weekday())


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def _on_or_before(d: datetime.date, weekday: int) -> datetime.date:
    return d - datetime.timedelta(days=(d.weekday() - weekday) % 7)


def _on_or_after(d: datetime.date, weekday: int) -> datetime.date:
    return d + datetime.timedelta(days=(weekday - d.weekday()) % 7)


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
    s = re.sub(r"^(?:the )?year (\d{4})$", r"\1", s)  # "in the year 2019"

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
    found = rel if rel is not None else _absolute(s, pub, tense)
    if "the week of" in stripped and found.precision == "day":
        return _week(found.date)  # "the week of June 3" names a week, not a day
    return found


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
        if m.group(2) == "week" and n == 0 and tense == "future" and pub.weekday() >= 5:
            # Published on a Saturday or Sunday, only the weekend is left of the
            # ISO week: "will vote this week" then means the week ahead.
            n = 1
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
    if unit == "week":
        return _week(pub + datetime.timedelta(days=7 * n))
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
        return _week(d)
    return _day(d)
