"""The words and patterns of temporal expressions, and their normalisation.

Vocabulary tables (months, weekdays, number words, seasons), the hedges that
only move a point inside a period ("early", "the end of", "since"), the
regular expressions for clock times, day parts, decades and the tokens the
absolute (dateparser) fallback may see, and ``_normalise`` / ``_number``. No
calendar arithmetic here: :mod:`pipeline.nlp.dates.resolve` does that.
"""

from __future__ import annotations

import re
from typing import Optional

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
# A whitelist for whole tokens of a normalised expression (resolve._absolute splits it on
# spaces and commas), not a word splitter: those are in pipeline.nlp.text.
_DAY_TOKEN = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_NUMERIC_DATE = r"(?:\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}(?:[-/.](?:\d{2}|\d{4}))?)"
_TOKEN_RE = re.compile(
    r"^(?:%s|%s|\d{4}|%s|of|the)$" % (_MONTH_RE, _DAY_TOKEN, _NUMERIC_DATE)
)


def _number(word: str) -> Optional[int]:
    word = word.strip()
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


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
