"""An article's publication date as input files write it: ``read_published``.

``read_published(value)`` turns the ``published`` value of a JSON Lines line
or a ``.txt`` sidecar into a :class:`datetime.date`, or says why it is none.
Pure, offline (``dateparser``'s absolute-date parser only), never raises.

Rules
    * ISO 8601: "2024-03-07", a datetime with or without zone
      ("2024-03-07T23:30:00-05:00"). The date is the one written: a zone is
      not applied, because the publisher's calendar day is the anchor
      relative dates ("yesterday") were written against.
    * Numeric dates with the year first ("2024/03/07", "2024.3.7") are
      year-month-day.
    * Numeric dates with the year last ("07/03/2024", "7.3.2024",
      "03-04-2024") are read from the numbers alone: a field over 12 is the
      day ("13/04/2024" is 13 April, "04/13/2024" too), equal fields are
      that day. When both readings are dates (day and month both 12 or
      less and different, "03/04/2024"), or the year has two digits
      ("3/14/24": century and field order are both guesses), ``ambiguous``
      holds a dead-letter reason (``ambiguous_published: ...``) instead of a
      guess.
    * Anything else goes to dateparser, which must find a day, a month and a
      year: "March 7, 2024", "7 March 2024", "Mar. 7, 2024", "07-Mar-2024",
      RFC 2822 "Thu, 07 Mar 2024 10:00:00 GMT" (zone not applied, as above).
      A weekday that contradicts the date is ignored.
    * Unparseable, neither date nor ambiguous: a relative word
      ("yesterday"), a partial date ("March 2024", "March 7"), an impossible
      one ("2024-02-30", "31/02/2024"), digits in another layout ("07 03
      2024", "20240307"), a blank string, a number (timestamps are not
      guessed), any other JSON type. The read stage then keeps the article
      with the default publication date and a warning.

``datetime.date``/``datetime.datetime`` values (not from JSON, but from callers
that already hold one) are taken as they are.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import NamedTuple, Optional

from dateparser.date import DateDataParser

__all__ = ["PublishedDate", "read_published"]

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")

# Not "; ...": an article row's ``error`` joins its reasons with "; ".
_HINT = " (write it as YYYY-MM-DD)"
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_YEAR_FIRST_RE = re.compile(r"(?<![\d/.-])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/.-])")
_YEAR_LAST_RE = re.compile(r"(?<![\d/.-])(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-])")


class PublishedDate(NamedTuple):
    """``date``, or ``ambiguous`` (a dead-letter reason), or neither (unparseable)."""

    date: Optional[datetime.date]
    ambiguous: Optional[str] = None


_UNPARSEABLE = PublishedDate(None)


def read_published(value: object) -> PublishedDate:
    """The publication date ``value`` names; see the module docstring."""
    try:
        if isinstance(value, datetime.datetime):
            return PublishedDate(value.date())
        if isinstance(value, datetime.date):
            return PublishedDate(value)
        if not isinstance(value, str) or len(value) > 200:
            return _UNPARSEABLE
        return _read(value, value.strip())
    except Exception:  # one odd value must not cost the article
        return _UNPARSEABLE


def _valid(year: int, month: int, day: int) -> Optional[datetime.date]:
    try:
        return datetime.date(year, month, day)
    except ValueError:  # 2024-02-30 and friends
        return None


def _date(year: int, month: int, day: int) -> PublishedDate:
    return PublishedDate(_valid(year, month, day))


def _read(value: str, s: str) -> PublishedDate:
    m = _ISO_RE.match(s)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _YEAR_FIRST_RE.search(s)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _YEAR_LAST_RE.search(s)
    if m:
        return _numeric(value, int(m.group(1)), int(m.group(3)), m.group(4))
    if not re.search(r"\d{4}", s):
        return _UNPARSEABLE  # no year written: dateparser would take this year's
    if not re.search(r"[A-Za-z]", s):
        return _UNPARSEABLE  # "07 03 2024", "20240307", a timestamp: any reading is a guess
    data = _parser().get_date_data(s)
    if data is None or data.date_obj is None:
        return _UNPARSEABLE
    return PublishedDate(data.date_obj.date())


def _numeric(value: str, first: int, second: int, year: str) -> PublishedDate:
    """A year-last numeric date: the order of day and month from the numbers."""
    y = int(year)
    readings = {d for d in (_valid(y, second, first), _valid(y, first, second)) if d}
    if not readings:
        return _UNPARSEABLE  # "31/02/2024", "0/5/2024"
    if len(year) == 2:
        return PublishedDate(None, f"ambiguous_published: {value!r} has a two-digit year{_HINT}")
    if len(readings) > 1:  # both fields 1-12 and different
        return PublishedDate(None, (
            f"ambiguous_published: {value!r} could be {first} {_MONTH_NAMES[second - 1]} "
            f"or {second} {_MONTH_NAMES[first - 1]}{_HINT}"))
    return PublishedDate(readings.pop())


@functools.lru_cache(maxsize=1)
def _parser() -> DateDataParser:
    return DateDataParser(languages=["en"], settings={
        # Relative words ("yesterday") and bare numbers (timestamps) are no
        # publication dates; a partial date must not be completed from today.
        "PARSERS": ["absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
    })
