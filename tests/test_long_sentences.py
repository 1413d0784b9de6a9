"""Long sentences: the tagger's window is full, so sentences are tagged in
overlapping word windows (pipeline.nlp.windows) and every word is seen.

A real tagger model (the conftest fixture); only structure is asserted.
"""
from __future__ import annotations

import pytest

from pipeline.nlp.events.frames import decode_sentence
from pipeline.nlp.windows import owners, predict_all, predict_windowed, word_windows
from pipeline.stages.infer import TaggerModelHandler
from tests.ops_helpers import CLAUSE, doc_of, sentence_of


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def predictor(model_dir):
    return TaggerModelHandler(model_dir, num_threads=1).load_model()


# ----------------------------------------------------------- long sentences


def test_word_windows_overlap_and_cover():
    assert word_windows(80, 100) == [(0, 80)]
    assert word_windows(300, 100) == [(0, 100), (50, 150), (100, 200), (150, 250), (200, 300)]
    assert word_windows(230, 100) == [(0, 100), (50, 150), (100, 200), (130, 230)]
    own = owners(300, word_windows(300, 100))
    assert own[0] == 0 and own[74] == 0 and own[75] == 1 and own[299] == 4
    assert own == sorted(own)  # each window owns one contiguous stretch


def test_300_word_sentence_is_tagged_in_windows(predictor):
    text = ", and ".join([CLAUSE] * 22)
    sent = sentence_of(text)
    n = len(sent.words)
    assert 300 <= n < 330
    plain = predictor.predict([list(sent.words)])[0]
    assert plain.covered < n  # what the windows are for: the model window is full

    merged = predict_all(predictor.predict, [sent.words])[0]
    assert merged.covered == n  # every word was seen by the tagger
    preds = [f.pred_idx for f in merged.frames]
    assert preds == sorted(set(preds))  # one frame per predicate, in order
    for f in merged.frames:
        assert 0 <= f.pred_idx < n and f.pred_idx in f.v_words
        assert all(0 <= v < n for v in f.v_words)
        for a in f.arguments:
            assert 0 <= a.start <= a.end < n
    for e in merged.entities:
        assert 0 <= e.start <= e.end < n
    assert [(e.start, e.end) for e in merged.entities] == sorted(
        (e.start, e.end) for e in merged.entities)
    if plain.frames:  # the clause repeats: its predicates recur past the old window
        assert any(p >= plain.covered for p in preds)
    # frames shifted to sentence indices decode into spans of the sentence
    for event in decode_sentence(sent, merged, "m@1"):
        for role in event.roles:
            assert text[role.start:role.end] == role.text


def test_windows_agree_with_the_plain_tagger_inside_the_first_window(predictor):
    """A predicate owned by the first window gets that window's frame."""
    words = (" and ".join([CLAUSE] * 12)).split(" ")
    first = predictor.predict([words[:100]])[0]
    merged = predict_windowed(predictor.predict, words)
    own = owners(len(words), word_windows(len(words), 100))
    # structure, not float scores: batch padding may change the last bits
    shape = lambda frames: [(f.pred_idx, f.v_words, [(a.label, a.start, a.end, a.function)  # noqa: E731
                                                     for a in f.arguments]) for f in frames]
    expect = [f for f in first.frames if own[f.pred_idx] == 0]
    assert shape([f for f in merged.frames if f.pred_idx < 75]) == shape(expect)


def test_subword_heavy_short_sentence_is_split_further(predictor):
    words = [f"{i:04d}{'x7q' * 9}{i:04d}" for i in range(90)]  # many sub-words each
    plain = predictor.predict([words])[0]
    assert plain.covered < len(words)
    assert predict_all(predictor.predict, [words])[0].covered == len(words)


def test_handler_tags_long_sentences_fully(model_dir, predictor):
    handler = TaggerModelHandler(model_dir, num_threads=1)
    short = sentence_of("The minister announced new sanctions .")
    long = sentence_of(" ".join([CLAUSE] * 20))
    doc = doc_of(long, short)
    results = list(handler.run_inference([doc], predictor))
    assert [r.example for r in results] == [doc]
    assert [f.covered for f in results[0].inference] == [len(long.words), len(short.words)]


def test_windows_carry_each_words_vector_from_its_owning_window():
    """With in-context vectors (the event typer's), a merged long sentence has
    one vector per word, taken from the window that owns the word."""
    import numpy as np

    from pipeline.tagger.predictor import SentenceFrames

    def fake_predict(sentences):  # each word's vector: (window's first word, position)
        out = []
        for ws in sentences:
            vec = np.array([[int(ws[0]), k] for k in range(len(ws))], dtype=np.float16)
            out.append(SentenceFrames((), (), len(ws), vec))
        return out

    words = [str(i) for i in range(230)]
    merged = predict_windowed(fake_predict, words)
    own = owners(230, word_windows(230, 100))
    starts = [s for s, _ in word_windows(230, 100)]
    assert merged.word_vectors.shape == (230, 2)
    for w in range(230):
        assert merged.word_vectors[w].tolist() == [starts[own[w]], w - starts[own[w]]]
    # windows without vectors (the tagger run without a context layer) merge to None
    plain = predict_windowed(lambda ss: [SentenceFrames((), (), len(s)) for s in ss], words)
    assert plain.word_vectors is None


def test_packaged_checkpoint_is_found_where_the_worker_installed_it(model_dir):
    import pickle

    from pipeline.tagger import CHECKPOINT_DIR

    packaged = pickle.loads(pickle.dumps(TaggerModelHandler(CHECKPOINT_DIR)))
    assert packaged.model_folder() == CHECKPOINT_DIR  # resolved on load, not pickled
    assert TaggerModelHandler(model_dir).model_folder() == model_dir or model_dir == CHECKPOINT_DIR
