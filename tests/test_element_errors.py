"""Per-element errors: a bug or bad model output on one sentence or article makes
that sentence or article a dead letter, never the whole run.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import apache_beam as beam
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.config import RunConfig
from pipeline.run import run
from pipeline.stages.decode import DecodeEvents
from pipeline.stages.infer import TaggerModelHandler
from pipeline.stages.resolve import ResolveArticles
from pipeline.stages.rows import TableRows
from tests.ops_helpers import (GOOD_1, GOOD_2, code, doc_of, pred_frame, read_tables,
                               sentence_frames, sentence_of)


def test_decode_error_is_a_dead_letter_for_that_sentence_only():
    good = sentence_of("Putin warned Seoul", "good")
    bad = sentence_of("Rebels fired shells", "bad")
    ok_frames = sentence_frames(pred_frame(1, ("ARG0", 0, 0, "PAG"), ("ARG2", 2, 2, "GOL")))
    broken = sentence_frames(pred_frame(99, ("ARG0", 0, 0, "PAG")))  # predicate past the sentence
    doc = doc_of(good, dataclasses.replace(bad, article_id="good", sentence_index=1),
                 article_id="good", frames=(ok_frames, broken))
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create([doc]) | DecodeEvents("m@1")
        assert_that(out | beam.FlatMap(lambda d: [(e.article_id, e.who, e.target)
                                                  for e in d.events]),
                    equal_to([("good", "Putin", "Seoul")]), label="events")
        assert_that(out | "Why" >> beam.FlatMap(
            lambda d: [(x.article_id, x.source, x.stage, x.reason, x.excerpt) for x in d.dead]),
            equal_to([("good", "in/s.txt", "decode",
                       "internal_error: IndexError: tuple index out of range",
                       "Rebels fired shells")]), label="dead")


def test_resolve_error_makes_the_article_dead_not_the_run():
    from pipeline.records import Event

    def event(article_id, sentence_index):
        return Event(f"{article_id}-{sentence_index}", article_id, sentence_index, "x", "x", "x",
                     0, 1, False, None, "asserted", 0.5, "m@1")

    # no sentence index on one event: a bug upstream, which fails the sort in resolve
    bad_events = [event("bad", 0), event("bad", None)]
    pub = dt.date(2024, 6, 20)
    good = doc_of(sentence_of("x", "good"), article_id="good", source="in/good.txt",
                  events=[event("good", 0)], published=pub)
    bad = doc_of(sentence_of("y", "bad"), article_id="bad", source="in/bad.txt",
                 events=bad_events, published=pub)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create([good, bad]) | ResolveArticles() | TableRows()
        assert_that(out["events"] | beam.Map(lambda r: (r["article_id"], r["date"])),
                    equal_to([("good", pub)]), label="events")
        assert_that(out["articles"] | "Rows" >> beam.Map(
            lambda r: (r["article_id"], r["source"], r["status"], r["n_events"],
                       code(r["error"] or ""))),
            equal_to([("good", "in/good.txt", "ok", 1, ""),
                      ("bad", "in/bad.txt", "dead_letter", 0, "internal_error")]),
            label="articles")
        assert_that(out["dead_letters"] | "Why" >> beam.Map(
            lambda d: (d["article_id"], d["source"], d["stage"], d["reason"].split(":")[:2])),
            equal_to([("bad", "in/bad.txt", "resolve", ["internal_error", " TypeError"])]),
            label="dead")


class BadFramesHandler(TaggerModelHandler):
    """Gives every sentence of article "bad" a frame whose predicate lies past
    the sentence, as a buggy model could: decode then raises for it."""

    def run_inference(self, batch, model, inference_args=None):
        results = super().run_inference(batch, model, inference_args)
        broken = sentence_frames(pred_frame(999, ("ARG0", 0, 0, "PAG")))
        return [r._replace(inference=tuple(broken for _ in r.example.sentences))
                if r.example.article_id == "bad" else r for r in results]


def test_decode_errors_reach_the_tables_and_the_article_row(tmp_path, model_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(GOOD_1)
    (src / "bad.txt").write_text(GOOD_2)
    out = tmp_path / "out"
    out.mkdir()
    cfg = RunConfig(inputs=[str(src / "*.txt")], output=str(out), model=model_dir, threads=1)
    # a handler given to run() is used as it is: it hands out the event head's vectors
    from pipeline.run import head_layer

    accounts = run(cfg, handler=BadFramesHandler(model_dir, num_threads=1,
                                                 context_layer=head_layer(model_dir)))
    assert (accounts.articles, accounts.ok, accounts.dead_lettered) == (2, 1, 1)
    t = read_tables(out)
    rows = {a["article_id"]: a for a in t["articles"]}
    assert rows["good"]["status"] == "ok"
    assert rows["bad"]["status"] == "dead_letter"
    assert rows["bad"]["error"].startswith("internal_error: IndexError")
    assert {(d["article_id"], d["stage"]) for d in t["dead_letters"]} == {("bad", "decode")}
    assert len([d for d in t["dead_letters"]]) == rows["bad"]["n_sentences"] == 2
    assert all(e["article_id"] == "good" for e in t["events"])


def test_every_stage_dead_letter_excerpt_is_printable():
    """infer and decode pass the article text itself: the dead letter's excerpt is
    still escaped and cut, as the dead_letters schema promises."""
    from pipeline.records import EXCERPT_CHARS, Article, ArticleDoc

    doc = ArticleDoc(Article("a", "in/a.txt", "x")).failed(
        "infer", "inference_error: boom", "line one\nline\x00two" + "z" * 500)
    excerpt = doc.dead[0].excerpt
    # the first EXCERPT_CHARS characters of the text, escaped
    assert excerpt == "line one\\nline\\x00two" + "z" * (EXCERPT_CHARS - 17)
    assert excerpt.isprintable()
    # an excerpt made printable already is only cut (segment passes one)
    again = ArticleDoc(Article("a", "in/a.txt", "x")).failed("segment", "no_sentences: x",
                                                              excerpt)
    assert again.dead[0].excerpt == excerpt[:EXCERPT_CHARS]
