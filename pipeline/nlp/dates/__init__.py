"""Resolve temporal expressions (ARGM-TMP spans) to a calendar date + precision.

``resolve_date(text, published, tense)`` turns the time argument of an event
("on Wednesday", "at the beginning of June", "last week", "in 2019") into a
:class:`ResolvedDate` anchored on the article's publication date.  It is pure,
offline (``dateparser`` only, with ``languages=["en"]`` so no language
detection runs) and memoised per ``(text, published, tense)``.

Output
    ``date`` is a :class:`datetime.date`; ``precision`` is ``"day"``,
    ``"week"``, ``"month"`` or ``"year"``.  Week precision gives the Monday of
    the ISO week, month precision the first day of the month, year precision
    1 January.  Anything that does not name a calendar date gives
    ``ResolvedDate(None, None)``; the function never raises.

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
    * "last week", "this week", "next week", "earlier this week", "two weeks
      ago", "in two weeks", "the week of June 3" -> that ISO week, precision
      "week", dated by its Monday (the Monday names the week; it does not
      claim the event happened on Monday).  "this week" is the week of
      publication, "next week" the one after and "last week" the one before,
      whatever the tense, with one exception: a FUTURE "this week" published
      on a Saturday or Sunday is the following week (only the weekend is
      left of the current one, so "will vote this week" means the week
      ahead).  A future "this week" published on a weekday stays that week:
      its Monday may be past, but the event falls in its remaining days.
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
    * "in the year 2019" is 2019 (precision "year"), as "in 2019" is.
    * A span that runs on past its date ("on Monday in a statement that ...",
      "Tuesday after a meeting with ...", "last week during talks in Doha")
      resolves to the date expression inside it: when the whole span (if at
      most 80 characters) names no date, the windows of words around its
      date words are tried, leftmost first (:mod:`.spans`: which words count,
      and why dateparser's ``search_dates`` is not used).  Spans over 320
      characters are None.
    * Vague or non-calendar expressions are None: "recently", "for years",
      "always", "after the talks", "when he arrived", "in the coming weeks",
      "the past few days", "a few days ago", "the next day" (relative to the
      story, not to publication), "", and run-on spans without a date in them.
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

Layout
    :mod:`.expressions` holds the vocabulary (months, weekdays, numbers,
    seasons, hedges) and the regular expressions that read a span;
    :mod:`.resolve` anchors what they read on the publication date and
    decides the precision; :mod:`.spans` finds the date expression inside a
    run-on span; :mod:`.published` reads an input file's ``published`` value
    (``read_published``), the anchor of all of the above.
"""

from pipeline.nlp.dates.published import PublishedDate, read_published
from pipeline.nlp.dates.resolve import ResolvedDate, resolve_date

__all__ = ["PublishedDate", "ResolvedDate", "read_published", "resolve_date"]
