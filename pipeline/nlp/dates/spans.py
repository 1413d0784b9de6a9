"""Cutting the date expression out of a time span that runs on.

A semantic-role time argument often carries more than its date: "on Monday in
a statement that ...", "Tuesday after a meeting with ...", "last week during
talks in Doha". When such a span does not resolve as a whole,
:func:`windows` proposes the runs of words around each *anchor* (a word of the
date vocabulary, below), leftmost anchor first and longest window first, for
:mod:`pipeline.nlp.dates.resolve` to try; the first window that names a date
wins. A span without anchors ("recently, after the talks") proposes nothing.

Anchors, and why some need company:

* strong, anywhere: a capitalised weekday ("Monday"); a capitalised
  month name ("June"; an abbreviation only with its period or a day number
  after it, "Dec. 25", "Jan 5"); "yesterday", "today", "tomorrow",
  "tonight"; the unit and day-part words ("week", "years", "weekend",
  "night", ...: on their own they resolve to nothing, with "last"/"two ...
  ago" they do); numeric dates with a year ("6/19/2024", "2024-06-19").
  Lower-case weekday and month words are not anchors: the span keeps the
  article's case, and "a march", "may meet", "The Sun" are not dates.
* weak, only right after a hedge ("in", "since", "early", ...), with more
  date words ("May 5", "last March"), or as the span's first word: a 4-digit
  year ("after the 2019 election" is not a time) and "May"/"March" (a name,
  a protest).
* seasons only with "last/this/next/past/coming" or a year: "the fall of
  Kabul" is not autumn.

Bare ordinals ("the 20th anniversary") and "now" ("now that ...") are no
anchors here; a whole span still resolves them.

Why not ``dateparser.search.search_dates`` (measured, dateparser 1.5.0,
publication Thursday 2024-06-20, past): it returned "on Monday in a" as 20
January, "Tuesday after a" as 20 January, "in March after the" as 20 March,
"may" (the verb) as 20 May, "The Sun" as Sunday 16 June, "a march on Tuesday"
as 1 March, "the 20th" of "the 20th anniversary" and "a second" as dates, and
gives no precision; the anchored windows resolve all of these as this package
reads dates (``tests/test_dates.py``, the run-on rows).
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional

from pipeline.nlp.dates.expressions import _HEDGE_RE, _MONTHS, _SEASONS, _WEEKDAYS, _normalise

__all__ = ["windows"]

_MAX_WORDS = 60  # words of a span looked at (a span is at most 320 characters)
_LEFT = 5  # words before an anchor a window may start with ("the very end of the")
_RIGHT = 6  # words after it ("Thursday, June 20, 2024"; "March 3 of last year")
# Windows proposed at most: a real span has one or two anchors (< 100 windows);
# this bounds a pathological one ("week week week ...") to a few milliseconds.
_MAX_WINDOWS = 200

_STRONG_WORDS = frozenset({
    "yesterday", "today", "tomorrow", "tonight",
    "day", "days", "week", "weeks", "weekend", "month", "months", "year", "years",
    "morning", "afternoon", "evening", "night",
})
_FULL_WEEKDAYS = frozenset(w for w in _WEEKDAYS if w.endswith("day"))
_FULL_MONTHS = frozenset(m for m in _MONTHS if len(m) > 4 or m in ("may", "june", "july"))
_WEAK_MONTHS = frozenset({"may", "march"})
_YEAR_RE = re.compile(r"^(?:1[89]|2[01])\d\d$")
# A numeric date must carry a year: "1/2" is a fraction before it is 2 January.
_NUMERIC_RE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$")
_RELATIVE = frozenset({"last", "this", "next", "past", "coming"})

STRONG, WEAK, SEASON = "strong", "weak", "season"


def _tokens(text: str) -> List[str]:
    """The span's words with wrapping quotes and brackets and a possessive
    removed ("Monday's" -> "Monday"); other punctuation stays for the resolver."""
    out = []
    for tok in text.split()[:_MAX_WORDS]:
        tok = tok.strip("\"'()[]\u201c\u201d\u2018\u2019")
        tok = re.sub(r"['\u2019]s$", "", tok)
        if tok:
            out.append(tok)
    return out


def _anchor(toks: List[str], k: int) -> Optional[str]:
    """The kind of anchor ``toks[k]`` is, or None."""
    raw = toks[k].rstrip(",;:!?")
    word = raw.lower()
    bare = word.rstrip(".")
    if bare in _STRONG_WORDS:
        return STRONG
    if _NUMERIC_RE.match(bare):
        return STRONG
    if _YEAR_RE.match(bare):
        return WEAK
    if bare in _SEASONS:
        return SEASON
    if not raw[:1].isupper():
        return None
    following = toks[k + 1] if k + 1 < len(toks) else ""
    shortened = word.endswith(".") or following[:1].isdigit()
    if bare in _WEEKDAYS:  # not "Sun."/"Sat." ("The Sun."): news spells weekdays out
        return STRONG if bare in _FULL_WEEKDAYS else None
    if bare in _MONTHS:
        if bare in _WEAK_MONTHS:
            return WEAK
        return STRONG if bare in _FULL_MONTHS or shortened else None
    return None


def _accepted(window: str, kind: str, first_word: bool) -> bool:
    """Whether a window around a weak anchor or a season may be read as a date."""
    if kind == STRONG:
        return True
    s, hedged = _normalise(window), False
    while True:
        m = _HEDGE_RE.match(s)
        if not m:
            break
        s, hedged = s[m.end():].strip(" ,"), True
    words = [w for w in re.split(r"[\s,]+", s) if w and w not in ("the", "of")]
    if kind == SEASON:
        return any(w in _RELATIVE or _YEAR_RE.match(w) for w in words)
    # "in 2019", "May 5", "last March", a span that starts "March ..."; not
    # "the 2019 election" (a name), even after a hedge ("after the 2019 ...").
    return len(words) > 1 or (hedged and not s.startswith("the ")) or first_word


def windows(text: str) -> Iterator[str]:
    """Candidate date expressions inside ``text``, in the order to try them."""
    toks = _tokens(text)
    budget = _MAX_WINDOWS
    for k in range(len(toks)):
        kind = _anchor(toks, k)
        if kind is None:
            continue
        for i in range(max(0, k - _LEFT), k + 1):
            for j in range(min(len(toks), k + _RIGHT + 1), k, -1):
                window = " ".join(toks[i:j])
                if _accepted(window, kind, i == k == 0):
                    yield window
                budget -= 1
                if budget == 0:
                    return
