"""Tests for pipeline.infer: a real tagger model, real Beam pipelines, no mocks.

The model is $NEWSEVENTS_TEST_MODEL, else the committed checkpoint (conftest).
A tiny (2-layer) model is too weak for
content checks, so with it only the structure of the output is checked.
"""

from __future__ import annotations

import os
import re
from typing import List

import apache_beam as beam
import pytest
from apache_beam.ml.inference.base import PredictionResult, RunInference
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from pipeline.infer import (
    DEAD_LETTERS,
    FRAMES,
    STAGE,
    InferFrames,
    TaggerModelHandler,
)
from pipeline.records import DeadLetter, Sentence

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


class BoomHandler(TaggerModelHandler):
    """A batch holding a sentence with the word "BOOM" fails, like a real
    inference error would (module level, so Beam can pickle it)."""

    def run_inference(self, batch, model, inference_args=None):
        if any("BOOM" in s.words for s in batch):
            raise RuntimeError("tagger exploded")
        return super().run_inference(batch, model, inference_args)


class BatchSpanHandler(TaggerModelHandler):
    """Stamps each result with the word counts of the batch it ran in."""

    def run_inference(self, batch, model, inference_args=None):
        lengths = [len(s.words) for s in batch]
        span = f"{min(lengths)}-{max(lengths)}"
        return [r._replace(model_id=span)
                for r in super().run_inference(batch, model, inference_args)]


def test_sentences_are_built_with_exact_offsets():
    assert [len(s.words) for s in SENTENCES] == [7, 6, 3, 26, 2]
    for s in SENTENCES:
        assert TEXT[s.start:s.end] == s.text
        for w, a, b in zip(s.words, s.word_starts, s.word_ends):
            assert TEXT[a:b] == w


def check_frames(sentences, tiny):
    def _check(pairs):
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
        out = (p | beam.Create(SENTENCES)
               | InferFrames(model_dir, num_threads=1, min_batch_size=2, max_batch_size=4))
        assert_that(out[FRAMES], check_frames(SENTENCES, is_tiny))
        assert_that(out[DEAD_LETTERS], equal_to([]), label="NoDeadLetters")


def test_run_inference_keeps_input_order(handler, predictor):
    batch = [SENTENCES[i] for i in (3, 0, 4, 2, 1)]  # not sorted by length
    results = list(handler.run_inference(batch, predictor))
    assert all(isinstance(r, PredictionResult) for r in results)
    assert [r.example for r in results] == batch
    assert [r.inference.covered for r in results] == [len(s.words) for s in batch]
    assert all(r.model_id == predictor.name for r in results)


def test_empty_and_very_long_sentences_do_not_crash(handler, predictor):
    empty = Sentence(ARTICLE_ID, 0, 0, 0, "", (), (), ())
    # A few predicates, and words past the model window (256 sub-words).
    long_text = "The minister announced new sanctions against" + " Moscow" * 394
    long = make_sentence(long_text, 0, len(long_text), 1)
    assert len(long.words) == 400
    results = list(handler.run_inference([empty, long, SENTENCES[0]], predictor))
    assert [r.example for r in results] == [empty, long, SENTENCES[0]]
    assert results[0].inference.covered == 0 and results[0].inference.frames == ()
    assert 0 < results[1].inference.covered <= 400  # past the window: unlabelled
    assert results[2].inference.covered == len(SENTENCES[0].words)


def test_failing_batch_becomes_dead_letters(model_dir, is_tiny):
    text = "Rebels said BOOM twice near the border."
    boom = make_sentence(text, 0, len(text), 0, article_id="bad")
    assert "BOOM" in boom.words
    good = SENTENCES[:3]
    # One sentence per batch, so only the BOOM batch fails.
    handler = BoomHandler(model_dir, num_threads=1, min_batch_size=1, max_batch_size=1)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create(good + [boom]) | InferFrames(model_dir, handler=handler)
        assert_that(out[FRAMES], check_frames(good, is_tiny))
        assert_that(
            out[DEAD_LETTERS],
            equal_to([DeadLetter(
                source="bad",
                stage=STAGE,
                reason="inference_error: RuntimeError: tagger exploded",
                article_id="bad",
                excerpt=text,
            )]),
            label="DeadLetters",
        )


def test_batch_elements_kwargs(model_dir):
    handler = TaggerModelHandler(model_dir, min_batch_size=8, max_batch_size=64)
    kwargs = handler.batch_elements_kwargs()
    assert kwargs == {"min_batch_size": 8, "max_batch_size": 64}


def _sentences_of_lengths(lengths):
    words = "the council said on Monday that talks would resume".split()
    out = []
    for i, n in enumerate(lengths):
        text = " ".join(words[k % len(words)] for k in range(n))
        out.append(make_sentence(text, 0, len(text), i, article_id=f"len{n}"))
    return out


def test_batching_groups_sentences_of_similar_length(model_dir):
    lengths = [70, 3, 22, 12, 40, 5, 30, 14, 50, 4, 20, 10]
    sentences = _sentences_of_lengths(lengths)
    handler = TaggerModelHandler(
        model_dir, min_batch_size=1, max_batch_size=4, max_batch_weight=60
    )

    def check(batches):
        if sorted(len(s.words) for b in batches for s in b) != sorted(lengths):
            raise BeamAssertException("sentences lost or duplicated")
        spans = sorted((len(b[0].words), len(b[-1].words)) for b in batches)
        for b in batches:
            n = [len(s.words) for s in b]
            if n != sorted(n) or len(b) > 4 or (len(b) > 1 and sum(n) >= 60):
                raise BeamAssertException(f"bad batch {n}")
        for (_, hi), (lo, _) in zip(spans, spans[1:]):
            if hi > lo:
                raise BeamAssertException(f"batches interleave lengths: {spans}")

    with test_pipeline.TestPipeline() as p:
        batches = p | beam.Create(sentences, reshuffle=False) | handler.batching()
        assert_that(batches, check)


def test_each_length_sorted_batch_is_one_inference_call(model_dir):
    lengths = [70, 3, 22, 12, 40, 5, 30, 14, 50, 4, 20, 10]
    sentences = _sentences_of_lengths(lengths)
    handler = BatchSpanHandler(
        model_dir, num_threads=1, min_batch_size=1, max_batch_size=4, max_batch_weight=60
    )

    def check(results):
        got = sorted(r.example.article_id for r in results)
        if got != sorted(s.article_id for s in sentences):
            raise BeamAssertException(f"{len(results)} results for {len(sentences)} sentences")
        batches = {}
        for r in results:
            batches.setdefault(r.model_id, []).append(len(r.example.words))
        spans = sorted(tuple(map(int, span.split("-"))) for span in batches)
        for (_, hi), (lo, _) in zip(spans, spans[1:]):
            if hi >= lo:
                raise BeamAssertException(f"batches interleave lengths: {spans}")
        if max(len(n) for n in batches.values()) < 2:
            raise BeamAssertException("every batch held a single sentence")

    # What InferFrames does, with each batch's word-count span in model_id.
    with test_pipeline.TestPipeline() as p:
        out = (p | beam.Create(sentences, reshuffle=False) | handler.batching()
               | RunInference(handler.with_no_batching()))
        assert_that(out, check)
