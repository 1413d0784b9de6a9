"""Table tests for pipeline.nlp.dates.resolve_date.

Unless stated, publication is Thursday 2024-06-20.
"""
import datetime
import random

import pytest

from pipeline.nlp.dates import ResolvedDate, resolve_date

PUB = datetime.date(2024, 6, 20)  # a Thursday
D = datetime.date

CASES = [
    # (text, tense, expected date, expected precision)
    # --- bare weekdays: on/before publication (past/None), on/after (future)
    ("Thursday", None, D(2024, 6, 20), "day"),
    ("Thursday", "past", D(2024, 6, 20), "day"),
    ("on Wednesday", None, D(2024, 6, 19), "day"),
    ("on Wednesday", "past", D(2024, 6, 19), "day"),
    ("on Monday", "past", D(2024, 6, 17), "day"),
    ("on Monday", "future", D(2024, 6, 24), "day"),
    ("on Friday", None, D(2024, 6, 14), "day"),
    ("on Friday", "future", D(2024, 6, 21), "day"),
    ("Thursday", "future", D(2024, 6, 20), "day"),
    ("late Tuesday", "past", D(2024, 6, 18), "day"),
    ("Wednesday night", "past", D(2024, 6, 19), "day"),
    ("early Monday morning", "past", D(2024, 6, 17), "day"),
    ("at 3 p.m. on Tuesday", "past", D(2024, 6, 18), "day"),
    ("this Monday", "future", D(2024, 6, 24), "day"),
    # --- explicit last/next weekday: strictly before / strictly after
    ("last Friday", "past", D(2024, 6, 14), "day"),
    ("last Thursday", None, D(2024, 6, 13), "day"),
    ("next Monday", "future", D(2024, 6, 24), "day"),
    ("next Thursday", None, D(2024, 6, 27), "day"),
    ("this past Sunday", "past", D(2024, 6, 16), "day"),
    ("on Tuesday last week", "past", D(2024, 6, 11), "day"),
    ("over the weekend", "past", D(2024, 6, 15), "day"),
    ("this weekend", "future", D(2024, 6, 22), "day"),
    # --- day words
    ("yesterday", "past", D(2024, 6, 19), "day"),
    ("today", None, D(2024, 6, 20), "day"),
    ("now", None, D(2024, 6, 20), "day"),
    ("earlier today", "past", D(2024, 6, 20), "day"),
    ("tomorrow", "future", D(2024, 6, 21), "day"),
    ("last night", "past", D(2024, 6, 19), "day"),
    ("two days ago", "past", D(2024, 6, 18), "day"),
    ("3 days ago", "past", D(2024, 6, 17), "day"),
    ("in two days", "future", D(2024, 6, 22), "day"),
    # --- weeks -> the ISO week, precision "week", dated by its Monday
    ("last week", "past", D(2024, 6, 10), "week"),
    ("earlier this week", "past", D(2024, 6, 17), "week"),
    ("this week", None, D(2024, 6, 17), "week"),
    ("next week", "future", D(2024, 6, 24), "week"),
    ("two weeks ago", "past", D(2024, 6, 3), "week"),
    ("last week", None, D(2024, 6, 10), "week"),
    ("this week", "past", D(2024, 6, 17), "week"),
    ("next week", None, D(2024, 6, 24), "week"),
    ("late last week", "past", D(2024, 6, 10), "week"),
    ("early next week", "future", D(2024, 6, 24), "week"),
    ("this past week", "past", D(2024, 6, 10), "week"),
    ("three weeks ago", "past", D(2024, 5, 27), "week"),
    ("a week ago", "past", D(2024, 6, 10), "week"),
    ("the week of June 3", "past", D(2024, 6, 3), "week"),
    ("the week of June 5", "past", D(2024, 6, 3), "week"),
    # future tense: forward (the week of publication is still under way)
    ("this week", "future", D(2024, 6, 17), "week"),
    ("later this week", "future", D(2024, 6, 17), "week"),
    ("in three weeks", "future", D(2024, 7, 8), "week"),
    ("three weeks from now", None, D(2024, 7, 8), "week"),
    # --- months with and without year
    ("at the beginning of June", None, D(2024, 6, 1), "month"),
    ("at the beginning of June", "past", D(2024, 6, 1), "month"),
    ("in June", "future", D(2024, 6, 1), "month"),
    ("mid-June", "past", D(2024, 6, 1), "month"),
    ("in December", "past", D(2023, 12, 1), "month"),
    ("in December", "future", D(2024, 12, 1), "month"),
    ("in December", None, D(2024, 12, 1), "month"),
    ("in March", "future", D(2025, 3, 1), "month"),
    ("in June 2023", None, D(2023, 6, 1), "month"),
    ("March 2020", "past", D(2020, 3, 1), "month"),
    ("by the end of the month", "future", D(2024, 6, 1), "month"),
    ("in June of last year", "past", D(2023, 6, 1), "month"),
    ("last June", "past", D(2023, 6, 1), "month"),
    ("next March", "future", D(2025, 3, 1), "month"),
    ("earlier this month", "past", D(2024, 6, 1), "month"),
    ("last month", "past", D(2024, 5, 1), "month"),
    ("next month", "future", D(2024, 7, 1), "month"),
    ("three months ago", "past", D(2024, 3, 1), "month"),
    # --- month + day
    ("on March 3", "past", D(2024, 3, 3), "day"),
    ("on March 3", None, D(2024, 3, 3), "day"),
    ("on March 3", "future", D(2025, 3, 3), "day"),
    ("on 5 May", "past", D(2024, 5, 5), "day"),
    ("on Dec. 25", "past", D(2023, 12, 25), "day"),
    ("on Dec. 25", "future", D(2024, 12, 25), "day"),
    ("on June 25", "past", D(2023, 6, 25), "day"),
    ("on the 3rd of March", "past", D(2024, 3, 3), "day"),
    ("Sept. 3", "future", D(2024, 9, 3), "day"),
    ("on the 15th", "past", D(2024, 6, 15), "day"),
    ("on the 25th", "past", D(2024, 5, 25), "day"),
    ("on the 31st", "past", D(2024, 5, 31), "day"),
    ("Wednesday, June 19", "past", D(2024, 6, 19), "day"),
    ("on March 3 last year", "past", D(2023, 3, 3), "day"),
    # --- fully explicit dates
    ("June 19, 2024", None, D(2024, 6, 19), "day"),
    ("on June 19, 2024", "past", D(2024, 6, 19), "day"),
    ("2024-06-19", None, D(2024, 6, 19), "day"),
    ("19 June 2024", None, D(2024, 6, 19), "day"),
    ("on Thursday, June 20, 2024", "past", D(2024, 6, 20), "day"),
    ("6/19/2024", None, D(2024, 6, 19), "day"),
    # --- years
    ("in 2019", "past", D(2019, 1, 1), "year"),
    ("since 2019", None, D(2019, 1, 1), "year"),
    ("mid-2023", "past", D(2023, 1, 1), "year"),
    ("this year", None, D(2024, 1, 1), "year"),
    ("earlier this year", "past", D(2024, 1, 1), "year"),
    ("last year", "past", D(2023, 1, 1), "year"),
    ("late last year", "past", D(2023, 1, 1), "year"),
    ("next year", "future", D(2025, 1, 1), "year"),
    ("by the end of the year", "future", D(2024, 1, 1), "year"),
    ("two years ago", "past", D(2022, 1, 1), "year"),
    ("in the first half of 2023", "past", D(2023, 1, 1), "year"),
    ("last year", None, D(2023, 1, 1), "year"),
    ("this year", "future", D(2024, 1, 1), "year"),
    ("next year", None, D(2025, 1, 1), "year"),
    ("in 2019", None, D(2019, 1, 1), "year"),
    ("in 2019", "future", D(2019, 1, 1), "year"),
    ("in the year 2019", "past", D(2019, 1, 1), "year"),
    ("the year 2025", "future", D(2025, 1, 1), "year"),
    ("a year ago", "past", D(2023, 1, 1), "year"),
    ("in two years", "future", D(2026, 1, 1), "year"),
    # --- seasons -> year only (documented)
    ("in the spring", "past", D(2024, 1, 1), "year"),
    ("in the autumn", "past", D(2023, 1, 1), "year"),
    ("in the autumn", "future", D(2024, 1, 1), "year"),
    ("last summer", "past", D(2023, 1, 1), "year"),
    ("in the spring of 2020", "past", D(2020, 1, 1), "year"),
]


@pytest.mark.parametrize("text,tense,expected,precision", CASES)
def test_resolves(text, tense, expected, precision):
    assert resolve_date(text, PUB, tense) == ResolvedDate(expected, precision)


NONE_CASES = [
    "recently",
    "for years",
    "always",
    "after the talks",
    "after the meeting",
    "when he arrived",
    "",
    "   ",
    "in the region",
    "in the coming weeks",
    "in recent years",
    "the past few days",
    "a few days ago",
    "the next day",
    "later",
    "at the time",
    "during the war",
    "in the 1990s",  # documented: decades have no precision here
    "the '90s",
    "in the 20th century",
    "last winter",  # documented: a relative winter straddles two years
    "for two weeks",
    "within two weeks",
    "in 20",
    "at the end of the day",
    "2024 " + "x" * 400,  # too long to look at (over 320 characters)
    # run-on spans without a date in them: cutting must not invent one
    "recently in a statement to reporters",
    "after the talks in Doha broke down",
    "when officials may meet again",  # the verb, not the month
    "during a march through the capital",
    "after the fall of Kabul",  # not autumn
    "in an interview with The Sun",  # not Sunday
    "after the 2019 election",  # a name, not a time
    "on the 20th anniversary of the attack",
    "now that the talks have failed",
    "in the coming weeks as negotiations continue",
    "for two years before the election",
]


@pytest.mark.parametrize("text", NONE_CASES)
@pytest.mark.parametrize("tense", [None, "past", "future"])
def test_not_a_calendar_date(text, tense):
    assert resolve_date(text, PUB, tense) == ResolvedDate(None, None)


def test_day_missing_from_month_is_none():
    # June has no 31st; present/future "the 31st" stays in June -> None.
    assert resolve_date("on the 31st", PUB, None) == ResolvedDate(None, None)
    assert resolve_date("on the 31st", PUB, "future") == ResolvedDate(None, None)


def test_in_two_weeks_past_tense_is_duration():
    # "completed the work in two weeks": a duration, not a date.
    assert resolve_date("in two weeks", PUB, "past") == ResolvedDate(None, None)
    assert resolve_date("in two weeks", PUB, "future") == ResolvedDate(D(2024, 7, 1), "week")


# Spans that run on past their date, as the tagger gives them (publication
# Thursday 2024-06-20): the date expression inside is what resolves.
RUN_ON_CASES = [
    ("on Monday in a statement that the ministry released", "past", D(2024, 6, 17), "day"),
    ("on Monday in a statement that the ministry released", "future", D(2024, 6, 24), "day"),
    ("Tuesday after a meeting with the foreign minister", "past", D(2024, 6, 18), "day"),
    ("last week during talks in Doha", "past", D(2024, 6, 10), "week"),
    ("after a meeting with officials on Tuesday", "past", D(2024, 6, 18), "day"),
    ("during a march on Tuesday", "past", D(2024, 6, 18), "day"),
    ("in 2019 when the war began", "past", D(2019, 1, 1), "year"),
    ("in March after the rally", "past", D(2024, 3, 1), "month"),
    ("in May, weeks before the vote", "past", D(2024, 5, 1), "month"),
    ("two weeks ago at a summit in Geneva", "past", D(2024, 6, 3), "week"),
    ("by the end of the year, officials said", "future", D(2024, 1, 1), "year"),
    ("on Thursday, June 20, 2024, in a statement", "past", D(2024, 6, 20), "day"),
    ("last summer when the drought hit the region", "past", D(2023, 1, 1), "year"),
    ("in the days after Monday's attack", "past", D(2024, 6, 17), "day"),
    ("Theresa May on Wednesday", "past", D(2024, 6, 19), "day"),
    ("in two weeks when parliament returns", "future", D(2024, 7, 1), "week"),
    ("yesterday, hours after the ceasefire collapsed", "past", D(2024, 6, 19), "day"),
    ("next week once the budget committee has reported", "future", D(2024, 6, 24), "week"),
    # over 80 characters: only searched, never read whole
    ("on Monday in a statement that the ministry released late in the evening after a "
     "long meeting of the cabinet in the capital", "past", D(2024, 6, 17), "day"),
]


@pytest.mark.parametrize("text,tense,expected,precision", RUN_ON_CASES)
def test_run_on_span_cut_to_its_date(text, tense, expected, precision):
    assert resolve_date(text, PUB, tense) == ResolvedDate(expected, precision)


def test_run_on_span_without_publication_date():
    assert resolve_date("in 2019 when the war began", None, "past") == ResolvedDate(
        D(2019, 1, 1), "year")
    assert resolve_date("on Monday in a statement", None, "past") == ResolvedDate(None, None)


def test_future_this_week_is_the_week_ahead_on_a_weekend():
    """ "would pass the bill this week": never a past day. On a weekday the
    week of publication (still under way), on a weekend the week ahead."""
    saturday, sunday, monday = D(2024, 6, 22), D(2024, 6, 23), D(2024, 6, 24)
    assert resolve_date("this week", saturday, "future") == ResolvedDate(monday, "week")
    assert resolve_date("this week", sunday, "future") == ResolvedDate(monday, "week")
    assert resolve_date("this week", sunday, "past") == ResolvedDate(D(2024, 6, 17), "week")
    assert resolve_date("this week", monday, "future") == ResolvedDate(monday, "week")
    assert resolve_date("next week", sunday, "future") == ResolvedDate(monday, "week")
    assert resolve_date("next week", monday, "future") == ResolvedDate(D(2024, 7, 1), "week")
    # the reported sentence, in both tenses the tagger may give it
    for tense in ("past", "future"):
        assert resolve_date("this week", PUB, tense) == ResolvedDate(D(2024, 6, 17), "week")


def test_future_bare_weekday_is_the_next_one():
    assert resolve_date("on Monday", PUB, "future") == ResolvedDate(D(2024, 6, 24), "day")
    assert resolve_date("on Monday", D(2024, 6, 24), "future") == ResolvedDate(
        D(2024, 6, 24), "day")
    assert resolve_date("on Monday", D(2024, 6, 23), "future") == ResolvedDate(
        D(2024, 6, 24), "day")


def test_weeks_across_a_year_boundary():
    # ISO weeks: the week of Wednesday 2025-01-01 starts on Monday 2024-12-30.
    jan1 = D(2025, 1, 1)
    assert resolve_date("this week", jan1, "past") == ResolvedDate(D(2024, 12, 30), "week")
    assert resolve_date("last week", jan1, "past") == ResolvedDate(D(2024, 12, 23), "week")
    assert resolve_date("next week", jan1, "future") == ResolvedDate(D(2025, 1, 6), "week")


@pytest.mark.parametrize(
    "text,expected,precision",
    [
        ("in 2019", D(2019, 1, 1), "year"),
        ("June 19, 2024", D(2024, 6, 19), "day"),
        ("March 2020", D(2020, 3, 1), "month"),
        ("2024-06-19", D(2024, 6, 19), "day"),
        ("in the summer of 2021", D(2021, 1, 1), "year"),
    ],
)
def test_published_none_absolute(text, expected, precision):
    assert resolve_date(text, None) == ResolvedDate(expected, precision)


@pytest.mark.parametrize(
    "text",
    ["Thursday", "last week", "yesterday", "today", "in June", "on March 3",
     "this year", "two days ago", "earlier this month", "on the 15th"],
)
def test_published_none_relative(text):
    assert resolve_date(text, None, "past") == ResolvedDate(None, None)


def test_other_publication_days():
    sunday = D(2024, 6, 23)
    assert resolve_date("last weekend", sunday, "past") == ResolvedDate(D(2024, 6, 15), "day")
    assert resolve_date("Sunday", sunday, "past") == ResolvedDate(sunday, "day")
    jan = D(2024, 1, 10)
    assert resolve_date("last month", jan, "past") == ResolvedDate(D(2023, 12, 1), "month")
    assert resolve_date("in December", jan, None) == ResolvedDate(D(2024, 12, 1), "month")
    assert resolve_date("in December", jan, "past") == ResolvedDate(D(2023, 12, 1), "month")
    assert resolve_date("on Feb. 29", D(2024, 3, 1), "past") == ResolvedDate(D(2024, 2, 29), "day")


def test_datetime_published_accepted():
    published = datetime.datetime(2024, 6, 20, 23, 59)
    assert resolve_date("yesterday", published) == ResolvedDate(D(2024, 6, 19), "day")


def test_garbage_never_raises():
    rng = random.Random(1234)
    huge = "".join(chr(rng.randrange(32, 0x10FFFF)) for _ in range(10_000))
    assert resolve_date(huge, PUB) == ResolvedDate(None, None)
    for _ in range(300):
        s = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(32, 0x2FFFF)]))
                    for _ in range(rng.randrange(0, 60)))
        for tense in (None, "past", "future"):
            result = resolve_date(s, PUB, tense)
            assert isinstance(result, ResolvedDate)
    for bad in (None, 42, b"June 2024", ["June"]):
        assert resolve_date(bad, PUB) == ResolvedDate(None, None)  # type: ignore[arg-type]
    assert resolve_date("June 2024", "2024-06-20") == ResolvedDate(None, None)  # type: ignore[arg-type]


def test_result_is_frozen_and_cached_calls_agree():
    r = resolve_date("on Wednesday", PUB, "past")
    with pytest.raises(Exception):
        r.date = None  # type: ignore[misc]
    assert resolve_date("on Wednesday", PUB, "past") is r
