"""Tests for pipeline.stages.infer: a real tagger model, real Beam pipelines, no mocks.

The model is $NEWSEVENTS_TEST_MODEL, else the committed checkpoint (conftest).
A tiny (2-layer) model is too weak for
content checks, so with it only the structure of the output is checked.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from typing import List

import apache_beam as beam
import pytest
from apache_beam.ml.inference.base import PredictionResult
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from pipeline.runtime.handlers import MAX_BATCH_ARTICLES, TaggerModelHandler
from pipeline.stages.infer import STAGE, InferFrames
from pipeline.records import Article, ArticleDoc, DeadLetter, Sentence

# The model is loaded lazily (in the tests), so this still takes effect.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ARTICLE_ID = "a1"
TEXT = (
    "Putin warned South Korea on Thursday. "
    "The minister announced new sanctions. "
    "Rain fell. "
    "Officials in Brussels said the European Union would consider a fresh "
    "package of measures against Moscow next month, after talks with "
    "Washington and Tokyo. "
    "Why?"
)
_WORD = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]")


def make_sentence(text: str, start: int, end: int, index: int,
                  article_id: str = ARTICLE_ID) -> Sentence:
    """A Sentence for text[start:end], words with article offsets."""
    spans = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    return Sentence(
        article_id=article_id,
        sentence_index=index,
        start=start,
        end=end,
        text=text[start:end],
        words=tuple(text[s:e] for s, e in spans),
        word_starts=tuple(s for s, _ in spans),
        word_ends=tuple(e for _, e in spans),
    )


def split_sentences(text: str, article_id: str = ARTICLE_ID) -> List[Sentence]:
    bounds = [(m.start(), m.end()) for m in re.finditer(r"[^.?!]+[.?!]", text)]
    out = []
    for i, (s, e) in enumerate(bounds):
        while text[s].isspace():
            s += 1
        out.append(make_sentence(text, s, e, i, article_id))
    return out


SENTENCES = split_sentences(TEXT)


@pytest.fixture(scope="module")
def handler(model_dir):
    # One torch thread: on a small shared machine more threads oversubscribe
    # the cores, and the role LSTM then runs hundreds of times slower.
    return TaggerModelHandler(model_dir, num_threads=1)


@pytest.fixture(scope="module")
def predictor(handler):
    return handler.load_model()


@pytest.fixture(scope="module")
def is_tiny(predictor):
    return (predictor.config.num_layers or 6) <= 2  # None: the full backbone


class BoomPredictor:
    """The real predictor, except that a call holding a sentence with the word
    "BOOM" fails, like a real inference error would."""

    def __init__(self, predictor, calls=None):
        self._predictor = predictor
        self.name = predictor.name
        self.calls = calls if calls is not None else []

    def predict(self, sentences):
        self.calls.append([len(s) for s in sentences])
        if any("BOOM" in s for s in sentences):
            raise RuntimeError("tagger exploded")
        return self._predictor.predict(sentences)


class BoomHandler(TaggerModelHandler):
    """Loads the real model behind a ``BoomPredictor`` (module level, so Beam
    can pickle it)."""

    def load_model(self):
        return BoomPredictor(super().load_model())


def doc_of(sentences, article_id=ARTICLE_ID, text=TEXT):
    return ArticleDoc(Article(article_id, f"in/{article_id}.txt", text), tuple(sentences))


DOCS = [doc_of(SENTENCES[:2], "a1"), doc_of(SENTENCES[2:], "a2")]


def test_sentences_are_built_with_exact_offsets():
    assert [len(s.words) for s in SENTENCES] == [7, 6, 3, 26, 2]
    for s in SENTENCES:
        assert TEXT[s.start:s.end] == s.text
        for w, a, b in zip(s.words, s.word_starts, s.word_ends):
            assert TEXT[a:b] == w


def check_frames(sentences, tiny):
    def _check(docs):
        pairs = [(s, f) for d in docs for s, f in zip(d.sentences, d.frames)]
        if any(len(d.frames) != len(d.sentences) or d.dead for d in docs):
            raise BeamAssertException("a doc without one SentenceFrames per sentence")
        if len(pairs) != len(sentences):
            raise BeamAssertException(f"{len(pairs)} results for {len(sentences)} sentences")
        key = lambda s: (s.article_id, s.sentence_index)  # noqa: E731
        if sorted((p[0] for p in pairs), key=key) != sorted(sentences, key=key):
            raise BeamAssertException("the sentences that came back differ")
        for sentence, frames in pairs:
            n = len(sentence.words)
            if frames.covered != n:
                raise BeamAssertException(f"covered {frames.covered} != {n}: {sentence.text}")
            for f in frames.frames:
                if not 0 <= f.pred_idx < n or f.pred_idx not in f.v_words:
                    raise BeamAssertException(f"bad predicate {f} in {sentence.text}")
                for a in f.arguments:
                    if not 0 <= a.start <= a.end < n:
                        raise BeamAssertException(f"bad span {a} in {sentence.text}")
            for e in frames.entities:
                if not 0 <= e.start <= e.end < n:
                    raise BeamAssertException(f"bad entity {e} in {sentence.text}")
            if not tiny and "announced" in sentence.words:
                preds = {sentence.words[f.pred_idx] for f in frames.frames}
                if "announced" not in preds:
                    raise BeamAssertException(f"'announced' not a predicate: {preds}")
    return _check


def test_infer_frames_pipeline(model_dir, is_tiny):
    with test_pipeline.TestPipeline() as p:
        out = (p | beam.Create(DOCS)
               | InferFrames(model_dir, num_threads=1, min_batch_size=2, max_batch_size=4))
        assert_that(out, check_frames(SENTENCES, is_tiny))


def test_run_inference_keeps_input_order(handler, predictor):
    batch = [doc_of([SENTENCES[i] for i in (3, 0)], "x"), doc_of([SENTENCES[4]], "y"),
             doc_of([SENTENCES[i] for i in (2, 1)], "z")]  # not sorted by length
    results = list(handler.run_inference(batch, predictor))
    assert all(isinstance(r, PredictionResult) for r in results)
    assert [r.example for r in results] == batch
    assert [[f.covered for f in r.inference] for r in results] == [
        [len(s.words) for s in d.sentences] for d in batch]
    assert all(r.model_id == predictor.name for r in results)


def test_a_batch_of_articles_is_one_predict_call(handler, predictor):
    # the predictor then sorts all the batch's sentences by length into passes
    spy = BoomPredictor(predictor)
    results = list(handler.run_inference(DOCS, spy))
    assert spy.calls == [[len(s.words) for s in SENTENCES]]
    assert [len(r.inference) for r in results] == [2, 3]


def test_empty_and_very_long_sentences_do_not_crash(handler, predictor):
    empty = Sentence(ARTICLE_ID, 0, 0, 0, "", (), (), ())
    # A few predicates, and words past the model window (256 sub-words).
    long_text = "The minister announced new sanctions against" + " Moscow" * 394
    long = make_sentence(long_text, 0, len(long_text), 1)
    assert len(long.words) == 400
    (result,) = handler.run_inference([doc_of([empty, long, SENTENCES[0]])], predictor)
    frames = result.inference
    assert frames[0].covered == 0 and frames[0].frames == ()
    assert frames[1].covered == 400  # in overlapping windows: every word tagged
    assert frames[2].covered == len(SENTENCES[0].words)
    # an article without sentences (a segment dead letter) passes through
    (none,) = handler.run_inference([doc_of([])], predictor)
    assert none.inference == ()


def _boom_doc():
    text = "Rebels said BOOM twice near the border."
    return doc_of([make_sentence(text, 0, len(text), 0, article_id="bad")], "bad", text), text


def test_failing_article_is_found_and_the_rest_of_its_batch_kept(model_dir, is_tiny):
    boom, text = _boom_doc()
    handler = BoomHandler(model_dir, num_threads=1, min_batch_size=4, max_batch_size=4)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create(DOCS + [boom]) | InferFrames(model_dir, handler=handler)
        good = out | "Good" >> beam.Filter(lambda d: not d.dead)
        assert_that(good, check_frames(SENTENCES, is_tiny))
        assert_that(
            out | "Dead" >> beam.FlatMap(lambda d: d.dead),
            equal_to([DeadLetter(source="in/bad.txt", stage=STAGE,
                                 reason="inference_error: RuntimeError: tagger exploded",
                                 article_id="bad", excerpt=text)]),
            label="DeadLetters")


def test_failing_batch_of_one_becomes_the_articles_dead_letter(model_dir):
    boom, text = _boom_doc()
    # One article per batch: nothing to retry, the batch's error is the article's.
    handler = BoomHandler(model_dir, num_threads=1, min_batch_size=1, max_batch_size=1)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create(DOCS[:1] + [boom]) | InferFrames(model_dir, handler=handler)
        assert_that(
            out | beam.Map(lambda d: (d.article_id, len(d.frames), [x.reason for x in d.dead])),
            equal_to([("a1", 2, []),
                      ("bad", 0, ["inference_error: RuntimeError: tagger exploded"])]))


def test_batch_elements_kwargs(model_dir):
    assert TaggerModelHandler(model_dir).batch_elements_kwargs() == {
        "min_batch_size": MAX_BATCH_ARTICLES, "max_batch_size": MAX_BATCH_ARTICLES}
    handler = TaggerModelHandler(model_dir, min_batch_size=2, max_batch_size=16)
    assert handler.batch_elements_kwargs() == {"min_batch_size": 2, "max_batch_size": 16}


def test_tagger_in_its_own_process_gives_the_same_frames_and_fails_loudly_when_gone(model_dir, handler, predictor):
    from pipeline.runtime.model_process import stop_model_processes

    own = TaggerModelHandler(model_dir, num_threads=1, own_process=True)
    proxy = own.load_model()
    try:
        assert not isinstance(proxy, type(predictor))  # a proxy: the model is elsewhere
        batch = [doc_of(SENTENCES[:2], "x"), doc_of(SENTENCES[2:], "y")]
        here = list(handler.run_inference(batch, predictor))
        there = list(own.run_inference(batch, proxy))
        assert [r.inference for r in there] == [r.inference for r in here]
        assert [r.model_id for r in there] == [predictor.name] * 2
        # A tagger process that dies (killed, out of memory) is no article's
        # fault: the run fails instead of dead-lettering every article after it.
        (child,) = multiprocessing.active_children()
        child.kill()
        child.join()
        with pytest.raises(RuntimeError, match="tagger process ended unexpectedly"):
            own.run_inference(batch, proxy)
    finally:
        assert stop_model_processes() == 1


def test_tagger_process_serves_two_worker_threads_at_once(model_dir, predictor):
    """``concurrent_calls=2`` (two worker threads sharing one tagger process):
    calls from two threads run side by side in the child, on threads of its
    own, and each caller gets its own sentences' frames back."""
    import threading

    from pipeline.runtime.model_process import stop_model_processes

    proxy = TaggerModelHandler(model_dir, num_threads=1, own_process=True,
                               concurrent_calls=2).load_model()
    try:
        jobs = {"a": [list(s.words) for s in SENTENCES[:2]] * 3,
                "b": [list(s.words) for s in SENTENCES[2:]] * 3}
        got, errors = {}, []

        def call(key):
            try:
                got[key] = proxy.predict(jobs[key])
            except Exception as e:  # noqa: BLE001 -- reported below
                errors.append(e)

        threads = [threading.Thread(target=call, args=(k,)) for k in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert got == {k: predictor.predict(v) for k, v in jobs.items()}
        assert got["a"] != got["b"]
    finally:
        assert stop_model_processes() == 1
