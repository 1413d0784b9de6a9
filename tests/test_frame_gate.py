"""The frame gate (pipeline.nlp.events.gate): the packaged one loads, carries the
threshold and the out-of-fold figures it was chosen with, and, on the real
tagger's vectors, keeps clear events and drops a copula."""
import os

import numpy as np
import pytest

from pipeline.nlp.events.gate import (GATE_CONFIG, GATE_WEIGHTS, FrameGate, gate_inputs,
                                      has_gate, sentence_inputs)
from pipeline.tagger import CHECKPOINT_DIR


@pytest.fixture(scope="module")
def gate():
    return FrameGate.load(CHECKPOINT_DIR)


@pytest.fixture(scope="module")
def tagged():
    """The sentences' words and their layer vectors from the packaged tagger."""
    import torch

    from pipeline.tagger.predictor import Predictor

    torch.set_num_threads(1)
    gate_layer = FrameGate.load(CHECKPOINT_DIR).config.layer
    predictor = Predictor.from_folder(CHECKPOINT_DIR, context_layer=gate_layer)
    from pipeline.nlp.text import words

    # split into words as the pipeline does ("Monday." -> "Monday", ".")
    sentences = [[w[0] for w in words(s)] for s in SENTENCES]
    return {s: (w, r.word_vectors) for s, w, r in zip(SENTENCES, sentences,
                                                       predictor.predict(sentences))}


SENTENCES = ["Russian troops attacked the city of Kharkiv on Monday.",
             "Protesters marched through the capital.",
             "The weather is cold."]


def test_packaged_gate_is_present_and_small():
    assert has_gate(CHECKPOINT_DIR)
    assert os.path.getsize(os.path.join(CHECKPOINT_DIR, GATE_WEIGHTS)) < 1_000_000
    assert os.path.isfile(os.path.join(CHECKPOINT_DIR, GATE_CONFIG))
    assert not has_gate(os.path.dirname(CHECKPOINT_DIR))


def test_config_carries_threshold_and_figures(gate):
    cfg = gate.config
    assert 0.0 < cfg.threshold < 1.0
    assert cfg.layer == 4 and cfg.dim == 384 and cfg.hidden >= 0
    oof = cfg.extra["oof_dev"]
    # the threshold was set for recall: both recalls at least 0.98 out of fold
    assert oof["event_recall"] >= 0.98 and oof["coded_recall"] >= 0.98
    assert 0.0 < oof["rejected_share"] < 1.0
    assert cfg.extra["training_examples"] > 0 and cfg.extra["trained_by"]


def test_shapes_and_determinism(gate):
    rng = np.random.default_rng(0)
    V = rng.normal(size=(7, gate.config.dim)).astype(np.float16)
    s = gate.scores(V, [0, 3, 6])
    assert s.shape == (3,) and s.dtype == np.float32
    assert np.all((s >= 0) & (s <= 1))
    assert np.array_equal(s, gate.scores(V, [0, 3, 6]))
    k = gate.keep(V, [0, 3, 6])
    assert k.shape == (3,) and k.dtype == bool
    assert np.array_equal(k, s >= gate.config.threshold)
    assert gate.scores(V, []).shape == (0,) and gate.keep(V, []).shape == (0,)
    # one predicate at a time scores as in a batch
    assert np.allclose([gate.scores(V, [p])[0] for p in (0, 3, 6)], s, atol=1e-6)


def test_inference_inputs_match_the_head_slices():
    """At inference the gate reads [V[p], mean(V)]: the head's predicate and
    sentence slices when the predicate is one word."""
    from pipeline.nlp.events.head import frame_features

    rng = np.random.default_rng(1)
    V = rng.normal(size=(5, 384)).astype(np.float16)
    feats = frame_features(V, [2], [0], [4], False, None, "asserted")
    assert np.allclose(gate_inputs(feats[None], 384)[0], sentence_inputs(V, [2])[0], atol=2e-3)


@pytest.mark.parametrize("sentence,word,kept", [
    (SENTENCES[0], "attacked", True),
    (SENTENCES[1], "marched", True),
    (SENTENCES[2], "is", False),
])
def test_real_tagger_vectors(gate, tagged, sentence, word, kept):
    words, V = tagged[sentence]
    assert V is not None and V.shape == (len(words), gate.config.dim)
    p = words.index(word)
    assert bool(gate.keep(V, [p])[0]) is kept, gate.scores(V, [p])


# ------------------------------------------------------------ in the predictor and the CLI

GATE_SENTENCES = [
    "Russian troops attacked the city of Kharkiv on Monday .".split(),
    "The minister said that the weather is cold and that talks were a possibility .".split(),
    "It is a mistake , he said , and there was no error in the report .".split(),
    "Protesters marched through the capital and demanded the release of the prisoners .".split(),
]


def test_the_predictor_decodes_only_the_predicates_the_gate_keeps(gate):
    """With the gate, a predicate's frame is either gone or exactly the frame
    decoded without it (its role decoding does not depend on the others); the
    clear events stay, something is dropped."""
    import torch

    from pipeline.tagger.predictor import Predictor

    torch.set_num_threads(1)
    every = Predictor.from_folder(CHECKPOINT_DIR, context_layer=gate.config.layer)
    gated = Predictor.from_folder(CHECKPOINT_DIR, context_layer=gate.config.layer,
                                  frame_gate=gate)
    dropped = []
    for words, a, g in zip(GATE_SENTENCES, every.predict(GATE_SENTENCES),
                           gated.predict(GATE_SENTENCES)):
        by_pred = {f.pred_idx: f for f in a.frames}
        for f in g.frames:
            assert by_pred[f.pred_idx] == f
        kept = {words[f.pred_idx] for f in g.frames}
        dropped += [words[p] for p in by_pred if words[p] not in kept]
        assert g.entities == a.entities and g.covered == a.covered
    assert {"attacked", "marched", "demanded"} <= {
        w for s, r in zip(GATE_SENTENCES, gated.predict(GATE_SENTENCES))
        for w in (s[f.pred_idx] for f in r.frames)}
    assert dropped and "said" in dropped, dropped


def test_the_gate_must_read_its_own_layer(gate):
    from pipeline.tagger.predictor import Predictor

    with pytest.raises(ValueError, match="frame gate reads layer"):
        Predictor.from_folder(CHECKPOINT_DIR, context_layer=None, frame_gate=gate)


def test_all_frames_writes_every_frame_and_the_default_the_same_coded_events(tmp_path):
    """The CLI on the seed: ``--all-frames`` writes every frame; the default
    writes a subset of them, each row the same, and codes the same events."""
    from pipeline.cli import main
    from pipeline.ops.tables import read_table

    seed = os.path.join(os.path.dirname(CHECKPOINT_DIR), "..", "..", "seeds", "*.txt")
    rows = {}
    for name, extra in (("default", []), ("all", ["--all-frames"])):
        out = tmp_path / name
        assert main(["--input", seed, "--output", str(out), "--published", "2024-06-20",
                     "--threads", "1", "--quiet", *extra]) == 0
        rows[name] = {(e["sentence_index"], e["action_start"]): e
                      for e in read_table(str(out), "events").to_pylist()}
    default, every = rows["default"], rows["all"]
    assert set(default) < set(every)
    assert len(default) <= 0.85 * len(every)
    dropped = {every[k]["action_lemma"] for k in set(every) - set(default)}
    assert "say" in dropped or "be" in dropped, dropped
    coded = lambda rs: {k for k, e in rs.items() if e["coded"]}  # noqa: E731
    assert coded(default) == coded(every) and coded(default)
    for k in default:  # the kept rows are the same rows (ids and clusters aside)
        for col in ("action", "who", "target", "date", "event_type", "factuality", "coded"):
            assert default[k][col] == every[k][col], (k, col)


@pytest.mark.parametrize("sentence,word,expected", [
    ("Russia wants to attack the port .", "wants", True),          # a governor's lemma
    ("Iran denied sending missiles .", "denied", True),
    ("He threatened to deliver weapons .", "threatened", True),
    ("They did not say that troops attacked .", "say", True),      # a negation before it
    ("Officials could expect a vote .", "expect", True),           # a modal before it
    ("Troops attacked the port , officials said .", "said", False),
    ("The weather is cold .", "is", False),
])
def test_frames_other_frames_read_are_always_decoded(sentence, word, expected):
    """Factuality reads the governing frame ("wants [to attack]"): whatever the
    gate scores, such a predicate is decoded, or the event it governs would read
    as told as fact."""
    from pipeline.nlp.events.gate import may_govern

    words = sentence.split()
    assert may_govern(words, words.index(word)) is expected


def test_keep_with_words_adds_the_governors(gate):
    rng = np.random.default_rng(2)
    words = "Russia wants to attack the port .".split()
    V = rng.normal(size=(len(words), gate.config.dim)).astype(np.float16)
    plain = gate.keep(V, [1, 3])
    with_words = gate.keep(V, [1, 3], words)
    assert with_words[0] and np.array_equal(with_words[1:], plain[1:])
