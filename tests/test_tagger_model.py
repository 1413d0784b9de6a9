"""The committed tagger on fixed sentences, the artifact's hygiene, and the
training path end to end on a few sentences (tiny config)."""
import json
import os

import pytest
from safetensors import safe_open

from pipeline.tagger import CHECKPOINT_DIR
from pipeline.tagger.model import CONFIG_FILE, WEIGHTS_FILE

# Expectations the committed tagger (0.4.0) still misses. strict: a checkpoint that
# passes one turns its xfail into a failure, to be made a plain test.
STILL_MISSED = pytest.mark.xfail(strict=True, reason="the 0.4.0 tagger still misses this (see MODEL_CARD.md)")


def _args(frames, pred_idx):
    fr = next(f for f in frames.frames if f.pred_idx == pred_idx)
    return {(a.label, a.start, a.end): a.function for a in fr.arguments}, fr


def test_putin_warned_south_korea(predictor):
    words = "Putin warned South Korea on Thursday .".split()
    (res,) = predictor.predict([words])
    assert [f.pred_idx for f in res.frames] == [1]
    args, _ = _args(res, 1)
    assert args[("ARG0", 0, 0)] == "PAG"
    assert args[("ARG2", 2, 3)] == "GOL"  # the entity warned, not the patient
    assert ("ARGM-TMP", 4, 5) in args


@STILL_MISSED  # "from North Korea" is not an ARG2: 0.4.0 tags it ARGM-OTHER alone, and
# inside the seed keeps it in the ARG1 (target) span
def test_russia_had_not_requested(predictor):
    words = "Russia had not requested direct military involvement from North Korea .".split()
    (res,) = predictor.predict([words])
    assert 1 not in [f.pred_idx for f in res.frames]  # "had" is an auxiliary, not an event
    args, _ = _args(res, 3)
    assert args[("ARG0", 0, 0)] == "PAG"
    assert ("ARGM-NEG", 2, 2) in args
    assert args[("ARG1", 4, 6)] == "PPT"
    assert args[("ARG2", 7, 9)] == "GOL"


def test_gold_predicates_bypass_the_predicate_head(predictor):
    words = "The talks ended without agreement .".split()
    (res,) = predictor.predict([words], gold_predicates=[[2]])
    assert [f.pred_idx for f in res.frames] == [2]
    assert res.covered == len(words)


def test_entities_from_the_ner_head(predictor):
    (res,) = predictor.predict(["Vladimir Putin visited Vietnam on Wednesday .".split()])
    ents = {(e.label, e.start, e.end) for e in res.entities}
    assert ("PER", 0, 1) in ents
    assert ("LOC", 3, 3) in ents


def test_checkpoint_is_small_safe_and_self_describing():
    files = sorted(os.listdir(CHECKPOINT_DIR))
    assert WEIGHTS_FILE in files and CONFIG_FILE in files and "MODEL_CARD.md" in files
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl", ".pickle", ".py"))]
    total = sum(os.path.getsize(os.path.join(CHECKPOINT_DIR, f)) for f in files)
    assert total < 50 * 2**20
    cfg = json.load(open(os.path.join(CHECKPOINT_DIR, CONFIG_FILE)))
    assert "B-ARG0" in cfg["bio_tags"] and "GOL" in cfg["functions"] and "B-PER" in cfg["ner_tags"]
    with safe_open(os.path.join(CHECKPOINT_DIR, WEIGHTS_FILE), "pt") as f:
        dtypes = {str(f.get_slice(k).get_dtype()) for k in f.keys()}
    assert dtypes <= {"F16", "I64"}


def test_training_path_end_to_end(tmp_path, shared_data):
    """`make train` in miniature: a few sentences, a 2-layer slice, one epoch,
    then the written folder loads and predicts."""
    from pipeline.tagger import train
    from pipeline.tagger.predictor import Predictor

    out = tmp_path / "model"
    assert train.main(["--data-dir", shared_data, "--out", str(out), "--tiny", "--limit", "40",
                       "--epochs", "1", "--batch-size", "8", "--frames-per-epoch", "10",
                       "--device", "cpu"]) == 0
    assert (out / WEIGHTS_FILE).exists() and (out / CONFIG_FILE).exists()
    history = json.load(open(out / "train_history.json"))
    assert history and "arg_f1" in history[0]
    pr = Predictor.from_folder(str(out))
    (res,) = pr.predict(["Putin warned South Korea .".split()])
    assert res.covered == 5
    for f in res.frames:
        assert all(0 <= a.start <= a.end < 5 for a in f.arguments)


def test_cut_passes_bounds_sentences_and_padded_words():
    from pipeline.tagger.predictor import cut_passes

    lengths = [3, 5, 5, 8, 40, 41, 60, 100, 300]
    passes = cut_passes(list(range(len(lengths))), lengths, batch_size=3, max_batch_words=120)
    assert [i for p in passes for i in p] == list(range(len(lengths)))  # all, in order, once
    for p in passes:
        assert len(p) <= 3
        assert len(p) == 1 or len(p) * max(lengths[i] for i in p) <= 120
    assert passes == [[0, 1, 2], [3, 4], [5, 6], [7], [8]]


def test_frame_chunks_bound_frame_words_and_cover_every_frame():
    from pipeline.tagger.predictor import frame_chunks

    chunks = frame_chunks(10, padded_words=30, max_frame_words=100)
    assert chunks == [(0, 3), (3, 6), (6, 9), (9, 10)]  # 3 frames x 30 words <= 100
    assert frame_chunks(2, padded_words=500, max_frame_words=100) == [(0, 1), (1, 2)]  # >= 1 frame
    assert frame_chunks(0, padded_words=30) == []


def test_role_heads_in_chunks_give_the_same_frames(predictor):
    """A pass's frames cut into heads calls of one frame each decode to the same
    spans, labels and functions as in one call (scores to float noise: the
    BiLSTM's batch size changes the summation order): chunking bounds memory
    and changes no output."""
    from pipeline.tagger.predictor import Predictor

    sentences = ["Putin warned South Korea on Thursday and said Seoul would pay .".split(),
                 "The talks ended without agreement after the envoys left Hanoi .".split(),
                 "Russia had not requested direct military involvement from North Korea .".split()]
    one_by_one = Predictor(predictor.model, predictor.tokenizer, max_frame_words=1)
    whole = predictor.predict(sentences)
    chunked = one_by_one.predict(sentences)
    assert sum(len(r.frames) for r in whole) >= 6  # several frames per pass: real chunking

    def spans(results):
        return [[(f.pred_idx, f.v_words, [(a.label, a.start, a.end, a.function) for a in f.arguments])
                 for f in r.frames] for r in results]

    def scores(results):
        return [a.score for r in results for f in r.frames for a in f.arguments]

    assert spans(chunked) == spans(whole)
    assert scores(chunked) == pytest.approx(scores(whole), abs=1e-5)
    assert [r.entities for r in chunked] == [r.entities for r in whole]
