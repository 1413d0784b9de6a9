"""pipeline.stages.resolve (event dates against the publication date) and pipeline.stages.rows (article rows)."""
import dataclasses
import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.records import Article, ArticleDoc, DeadLetter, Event, Role, Sentence
from pipeline.stages.resolve import ResolveArticles, resolve_event_date
from pipeline.stages.rows import TableRows, article_row, dead_article_row, event_row
from tests.tables import rows_to_table
from schemas.articles import SCHEMA as ARTICLES_SCHEMA
from schemas.events import SCHEMA as EVENTS_SCHEMA

PUB = dt.date(2024, 6, 20)  # a Thursday


def event(article_id="a1", sentence_index=0, action_start=0, candidates=(), tense="past"):
    """An event as decode leaves it (dates unresolved, candidates and tense set)."""
    candidates = tuple(candidates)
    roles = (Role("ARG0", "PAG", "Seoul", action_start, action_start + 5, 0.9),)
    return Event(
        event_id=f"{article_id}-{sentence_index}-{action_start}",
        article_id=article_id, sentence_index=sentence_index,
        sentence="Seoul met Kyiv.", action="met", action_lemma="meet",
        action_start=action_start + 6, action_end=action_start + 9,
        negated=False, modality="will" if tense == "future" else None,
        factuality="future" if tense == "future" else "asserted",
        confidence=0.8, model="tagger@test",
        who="Seoul", who_start=action_start, who_end=action_start + 5,
        target="Kyiv", target_start=action_start + 10, target_end=action_start + 14,
        roles=roles, date_text=candidates[0] if candidates else None,
        date_candidates=candidates, tense=tense)


def dates_of(ev):
    return ev.date, ev.date_precision, ev.date_source


# --------------------------------------------------------------- resolve_event_date

def test_on_wednesday_past():
    row = event(candidates=["on Wednesday"])
    out = resolve_event_date(row, PUB)
    assert dates_of(out) == (
        dt.date(2024, 6, 19), "day", "text")
    assert out.date_text == "on Wednesday"
    assert row.date is None  # the input event is not changed


def test_beginning_of_june_month():
    out = resolve_event_date(event(candidates=["at the beginning of June"]), PUB)
    assert dates_of(out) == (
        dt.date(2024, 6, 1), "month", "text")


def test_no_tmp_falls_back_to_published():
    out = resolve_event_date(event(), PUB)
    assert dates_of(out) == (PUB, "day", "published")
    assert out.date_text is None


def test_no_tmp_no_published():
    out = resolve_event_date(event(), None)
    assert dates_of(out) == (None, None, "none")


def test_unresolvable_tmp_keeps_text_and_falls_back():
    out = resolve_event_date(event(candidates=["recently"]), PUB)
    assert dates_of(out) == (PUB, "day", "published")
    assert out.date_text == "recently"


def test_second_candidate_used():
    row = event(candidates=["recently", "on Monday"])
    assert row.date_text == "recently"
    out = resolve_event_date(row, PUB)
    assert dates_of(out) == (
        dt.date(2024, 6, 17), "day", "text")
    assert out.date_text == "on Monday"


def test_future_monday():
    out = resolve_event_date(event(candidates=["on Monday"], tense="future"), PUB)
    assert dates_of(out) == (
        dt.date(2024, 6, 24), "day", "text")


def test_without_candidates_uses_date_text():
    row = dataclasses.replace(event(), date_text="on Wednesday")
    out = resolve_event_date(row, PUB)
    assert out.date == dt.date(2024, 6, 19) and out.date_source == "text"


def test_resolved_rows_fit_events_schema():
    rows = [event_row(resolve_event_date(event(candidates=c, tense=t), p)) for c, t, p in [
        (["on Wednesday"], "past", PUB), (["at the beginning of June"], "past", PUB),
        ([], "past", PUB), ([], "past", None), (["recently", "on Monday"], "past", PUB),
        (["on Monday"], "future", PUB)]]
    table = rows_to_table(rows, EVENTS_SCHEMA, "events")
    assert table.num_rows == 6
    assert table.column("date").to_pylist()[:2] == [dt.date(2024, 6, 19), dt.date(2024, 6, 1)]
    # a row with a key that is no column (decode's working state) is rejected
    with pytest.raises(ValueError, match="unknown column"):
        rows_to_table([{**rows[0], "tense": "past"}], EVENTS_SCHEMA, "events")


# --------------------------------------------------------------- article rows

def meta(article_id, published=PUB, **kw):
    return Article(article_id, f"in/{article_id}.txt", "", published, f"Title {article_id}",
                   kw.pop("url", None), kw.pop("content_hash", "ab" * 32))


def test_article_row_ok_and_dead():
    m = meta("a1")
    ok = article_row(m, 2, 3, [])
    assert ok["status"] == "ok" and ok["error"] is None and ok["n_events"] == 3
    dead = article_row(m, 2, 0, [DeadLetter("in/a1.txt", "infer", "oom: x", "a1"),
                              DeadLetter("in/a1.txt", "segment", "empty: y", "a1"),
                              DeadLetter("in/a1.txt", "infer", "oom: x", "a1")])
    assert dead["status"] == "dead_letter"
    assert dead["error"] == "empty: y; oom: x"
    rows_to_table([ok, dead], ARTICLES_SCHEMA, "articles")


def test_dead_article_row_read_stage():
    d = DeadLetter("in/bad.bin", "read", "binary: NUL bytes", None, "\\x00")
    row = dead_article_row(d)
    assert row["status"] == "dead_letter"
    assert row["n_events"] == 0 and row["n_sentences"] == 0
    assert row["error"] == "binary: NUL bytes"
    assert row["source"] == "in/bad.bin" and row["article_id"] is None
    table = rows_to_table([row], ARTICLES_SCHEMA, "articles")
    assert table.num_rows == 1


# --------------------------------------------------------------- ResolveArticles

def doc(m, events=(), n_sentences=0, dead=()):
    sentences = tuple(Sentence(m.article_id, i, 0, 1, "x", ("x",), (0,), (1,))
                      for i in range(n_sentences))
    return ArticleDoc(m, sentences, events=tuple(events), dead=tuple(dead))


def test_resolve_articles_pipeline():
    m1, m2 = meta("a1"), meta("a2", published=None, url="https://x/a2")
    raw = [event("a1", 2, 40, ["on Wednesday"]),
           event("a1", 0, 0, []),
           event("a1", 1, 20, ["recently", "on Monday"], "past"),
           event("a1", 1, 5, ["on Monday"], "future")]
    seg_dead = DeadLetter("in/a2.txt", "segment", "too_long: 9000 words", "a2", "...")
    expected_events = [
        ("a1", 0, 6, PUB, "day", "published"),
        ("a1", 1, 11, dt.date(2024, 6, 24), "day", "text"),
        ("a1", 1, 26, dt.date(2024, 6, 17), "day", "text"),
        ("a1", 2, 46, dt.date(2024, 6, 19), "day", "text"),
    ]
    expected_articles = [
        article_row(m1, 3, 4, []),
        article_row(m2, 0, 0, [seg_dead]),
    ]
    assert expected_articles[0]["status"] == "ok"
    assert expected_articles[1]["status"] == "dead_letter"
    assert expected_articles[1]["error"] == "too_long: 9000 words"

    with test_pipeline.TestPipeline() as p:
        docs = p | beam.Create([doc(m1, raw, 3), doc(m2, dead=[seg_dead])])
        out = docs | ResolveArticles() | TableRows()
        assert_that(out["events"] | "EvKey" >> beam.Map(
            lambda r: (r["article_id"], r["sentence_index"], r["action_start"], r["date"],
                       r["date_precision"], r["date_source"])),
            equal_to(expected_events), label="events")
        assert_that(out["events"] | "Private" >> beam.Map(
            lambda r: sorted(k for k in r if k.startswith("_"))),
            equal_to([[]] * 4), label="no_private")
        assert_that(out["articles"], equal_to(expected_articles), label="articles")
        assert_that(out["dead_letters"] | "Why" >> beam.Map(lambda d: (d["source"], d["stage"])),
                    equal_to([("in/a2.txt", "segment")]), label="dead")

    rows_to_table(expected_articles, ARTICLES_SCHEMA, "articles")


def test_resolve_articles_rows_fit_schemas():
    """The transform's own output (not the expected rows) goes through the schemas."""
    m1 = meta("a1")

    def check(rows, schema, table, n):
        assert len(rows) == n
        rows_to_table(rows, schema, table)

    with test_pipeline.TestPipeline() as p:
        docs = p | beam.Create([doc(m1, [event("a1", 0, 0, ["on Monday"])], 1)])
        out = docs | ResolveArticles() | TableRows()
        (out["events"] | "GatherEv" >> beam.combiners.ToList()
         | "CheckEv" >> beam.Map(check, EVENTS_SCHEMA, "events", 1))
        (out["articles"] | "GatherArt" >> beam.combiners.ToList()
         | "CheckArt" >> beam.Map(check, ARTICLES_SCHEMA, "articles", 1))


@pytest.mark.parametrize("text, action, expected", [
    # told as coming: the weekday lies ahead of publication (a Thursday)
    ("The ministers said they would meet again on Monday.", "meet", dt.date(2024, 6, 24)),
    ("The ministers plan to meet again on Monday.", "meet", dt.date(2024, 6, 24)),
    # told as done: the weekday lies behind
    ("The ministers met on Monday.", "met", dt.date(2024, 6, 17)),
])
def test_dates_of_what_is_told_as_coming_resolve_forward(predictor, text, action, expected):
    from pipeline.nlp.windows import predict_all
    from pipeline.stages.decode import decode_article
    from pipeline.stages.resolve import resolve_article
    from pipeline.stages.segment import segment_article

    doc = segment_article(Article("t", "in/t.txt", text, PUB))
    frames = predict_all(predictor.predict, [s.words for s in doc.sentences])
    doc = resolve_article(decode_article(dataclasses.replace(doc, frames=tuple(frames)), "m"))
    assert {e.action: e.date for e in doc.events}[action] == expected
