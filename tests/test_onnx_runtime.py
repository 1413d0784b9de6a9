"""The ONNX Runtime encoder path (``pipeline.tagger.onnx_runtime``).

A real model ($NEWSEVENTS_TEST_MODEL, else the committed checkpoint), a real export into a temporary cache
folder, real sentences. No timing assertions: speed is ``make bench``'s job.
"""
from __future__ import annotations

import os

import pytest

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
pytest.importorskip("onnx", reason="onnx is not installed")

import torch  # noqa: E402

from pipeline.tagger import onnx_export as export_mod  # noqa: E402
from pipeline.tagger import onnx_runtime as ort_mod  # noqa: E402
from pipeline.tagger.predictor import Argument, PredFrame, Predictor, SentenceFrames  # noqa: E402
from pipeline.tagger.tokens import encode_words  # noqa: E402

SENTENCES = [
    "Putin did not rule out sending weapons to North Korea on Thursday .".split(),
    "The minister announced new sanctions against Moscow .".split(),
    "Rain fell .".split(),
    ("Officials in Brussels said the European Union would consider a fresh package of "
     "measures next month , after talks with Washington and Tokyo .").split(),
    [],
    "Why ?".split(),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """Every ONNX file of this module goes to a fresh folder, via the env var
    the Predictor's OnnxEncoder reads."""
    folder = str(tmp_path_factory.mktemp("onnx-cache"))
    old = os.environ.get(export_mod.CACHE_ENV)
    os.environ[export_mod.CACHE_ENV] = folder
    yield folder
    if old is None:
        os.environ.pop(export_mod.CACHE_ENV, None)
    else:
        os.environ[export_mod.CACHE_ENV] = old


@pytest.fixture(scope="module")
def torch_predictor(model_dir):
    torch.set_num_threads(1)
    return Predictor.from_folder(model_dir, runtime="torch", batch_size=8)


@pytest.fixture(scope="module")
def onnx_predictor(torch_predictor, cache_dir):
    return Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime="onnx",
                     batch_size=8)


@pytest.fixture(scope="module")
def int8_predictor(torch_predictor, cache_dir):
    return Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime="onnx-int8",
                     batch_size=8)


def _feats(predictor, sentences):
    return encode_words(predictor.tokenizer, [s for s in sentences if s],
                        predictor.config.max_subwords)


def test_sessions_run_without_the_cpu_arena(int8_predictor):
    # the arena grows to the largest pass seen and keeps it (pipeline.runtime.memory)
    for part in (int8_predictor._onnx.encoder, int8_predictor._onnx.heads):
        assert part.session.get_session_options().enable_cpu_mem_arena is False


def test_fp32_encoder_matches_torch(torch_predictor, onnx_predictor):
    feats = _feats(torch_predictor, SENTENCES)
    with torch.inference_mode():
        ref = torch_predictor.model.encoder(input_ids=feats["input_ids"],
                                            attention_mask=feats["attention_mask"]).last_hidden_state
    got = onnx_predictor._onnx.hidden(feats["input_ids"], feats["attention_mask"])
    assert got.shape == ref.shape
    real = feats["attention_mask"].bool()
    assert (got - ref)[real].abs().max().item() < 1e-3
    # the word vectors the heads read, too
    with torch.inference_mode():
        ref_words = torch_predictor.model.encode(feats["input_ids"], feats["attention_mask"],
                                                 feats["word_index"], feats["word_mask"])
    words = onnx_predictor._onnx.encode(feats["input_ids"], feats["attention_mask"],
                                        feats["word_index"], feats["word_mask"])
    assert (words - ref_words).abs().max().item() < 1e-3


def test_encoder_with_the_typers_layer_matches_torch(torch_predictor, cache_dir):
    """The graph built with an extra output (the event typer's in-context layer)
    returns that layer as torch does, and the same last layer as the plain graph."""
    from pipeline.nlp.events.similarity import CONTEXT_LAYER

    feats = _feats(torch_predictor, SENTENCES)
    args = (feats["input_ids"], feats["attention_mask"], feats["word_index"], feats["word_mask"])
    with torch.inference_mode():
        ref_words, ref_layer = torch_predictor.model.encode_with_layer(*args, CONTEXT_LAYER)
        plain = torch_predictor.model.encode(*args)
    assert torch.equal(ref_words, plain)  # one pass serves both
    enc = ort_mod.OnnxEncoder(torch_predictor.model.encoder, extra_layer=CONTEXT_LAYER)
    assert enc.path != export_mod.build(torch_predictor.model.encoder, False)  # a graph of its own
    words, layer = enc.encode_with_layer(*args, CONTEXT_LAYER)
    real = feats["attention_mask"].bool()
    assert layer.shape == ref_layer.shape
    assert (layer - ref_layer)[real].abs().max().item() < 1e-3
    assert (words - ref_words).abs().max().item() < 1e-3
    with pytest.raises(ValueError, match="returns layer"):
        enc.encode_with_layer(*args, CONTEXT_LAYER + 1)


def test_int8_predictor_hands_out_word_vectors(torch_predictor, cache_dir):
    from pipeline.nlp.events.similarity import CONTEXT_LAYER

    ref = Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime="torch",
                    context_layer=CONTEXT_LAYER).predict(SENTENCES)
    got = Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime="onnx-int8",
                    context_layer=CONTEXT_LAYER).predict(SENTENCES)
    for r, g, words in zip(ref, got, SENTENCES):
        if not words:
            assert g.word_vectors is None or g.word_vectors.shape[0] == 0
            continue
        assert g.word_vectors.shape == r.word_vectors.shape == (len(words), 384)
        a, b = r.word_vectors.astype("float32"), g.word_vectors.astype("float32")
        cos = (a * b).sum(1) / ((a * a).sum(1) * (b * b).sum(1)) ** 0.5
        assert cos.min() > 0.97  # int8 weights: close, not equal


def test_fp32_role_heads_match_torch(torch_predictor, onnx_predictor):
    feats = _feats(torch_predictor, SENTENCES)
    model = torch_predictor.model
    fs = torch.tensor([0, 0, 1, 2, 3, 4])
    fp = torch.tensor([1, 4, 2, 0, 5, 0])
    with torch.inference_mode():
        words = model.encode(feats["input_ids"], feats["attention_mask"], feats["word_index"],
                             feats["word_mask"])
        arg, fn = model.frame_heads(words, feats["word_mask"], fs, fp)
        ref_arg, ref_fn = torch.log_softmax(arg, -1).numpy(), torch.log_softmax(fn, -1).numpy()
    got_arg, got_fn = onnx_predictor._onnx.frame_log_probs(words, feats["word_mask"], fs, fp)
    assert got_arg.shape == ref_arg.shape and got_fn.shape == ref_fn.shape
    real = feats["word_mask"][fs].bool().numpy()
    assert abs(got_arg - ref_arg)[real].max() < 1e-3
    assert abs(got_fn - ref_fn)[real].max() < 1e-3
    # one frame, one word: the smallest shapes the exported graph must take
    one = words[3:4, :1], feats["word_mask"][3:4, :1], torch.tensor([0]), torch.tensor([0])
    with torch.inference_mode():
        arg, _ = model.frame_heads(*one)
    assert abs(onnx_predictor._onnx.frame_log_probs(*one)[0]
               - torch.log_softmax(arg, -1).numpy()).max() < 1e-3


def test_fp32_predictions_match_torch(torch_predictor, onnx_predictor):
    ref = torch_predictor.predict(SENTENCES)
    got = onnx_predictor.predict(SENTENCES)

    def shape(res):
        return [(r.covered, [(f.pred_idx, f.v_words, [(a.label, a.start, a.end) for a in f.arguments])
                             for f in r.frames], r.entities) for r in res]

    assert shape(got) == shape(ref)


def _check_structure(sentence, res):
    assert isinstance(res, SentenceFrames)
    n = len(sentence)
    assert res.covered == n
    for f in res.frames:
        assert isinstance(f, PredFrame)
        assert 0 <= f.pred_idx < n and f.pred_idx in f.v_words
        assert 0.0 <= f.score <= 1.0
        for a in f.arguments:
            assert isinstance(a, Argument)
            assert 0 <= a.start <= a.end < n
            assert not (a.start <= f.pred_idx <= a.end)
    for e in res.entities:
        assert e.label in {"PER", "ORG", "LOC"} and 0 <= e.start <= e.end < n


def test_int8_predictor_output_structure(torch_predictor, int8_predictor):
    assert int8_predictor.runtime == "onnx-int8"
    enc_path, heads_path = int8_predictor._onnx.paths
    assert enc_path.endswith(export_mod.INT8) and heads_path.endswith(export_mod.HEADS_INT8)
    ref = torch_predictor.predict(SENTENCES)
    got = int8_predictor.predict(SENTENCES)
    assert len(got) == len(SENTENCES)
    for s, r, g in zip(SENTENCES, ref, got):
        _check_structure(s, g)
        assert g.covered == r.covered
    assert got[SENTENCES.index([])] == SentenceFrames(())
    # gold predicates are honoured by the int8 path as by the torch one
    gold = [[1] if len(s) > 1 else [] for s in SENTENCES]
    for s, g, pr in zip(SENTENCES, int8_predictor.predict(SENTENCES, gold_predicates=gold), gold):
        assert [f.pred_idx for f in g.frames] == pr


def test_cache_is_reused(torch_predictor, onnx_predictor, int8_predictor, cache_dir, monkeypatch):
    paths = onnx_predictor._onnx.paths + int8_predictor._onnx.paths
    assert len(set(paths)) == 4
    for p in paths:
        assert p.startswith(cache_dir) and os.path.isfile(p)
    mtimes = [os.stat(p).st_mtime_ns for p in paths]

    def no_rebuild(*a, **k):
        raise AssertionError("the cached ONNX model was built again")

    monkeypatch.setattr(export_mod, "export_encoder", no_rebuild)
    monkeypatch.setattr(export_mod, "export_heads", no_rebuild)
    monkeypatch.setattr(export_mod, "optimize", no_rebuild)
    monkeypatch.setattr(export_mod, "quantize_int8", no_rebuild)
    again = [p for r in ("onnx", "onnx-int8")
             for p in Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime=r)._onnx.paths]
    assert again == paths
    assert [os.stat(p).st_mtime_ns for p in paths] == mtimes
    # no temporary leftovers in the cache folders
    for folder in {os.path.dirname(p) for p in paths}:
        assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]


def test_heads_key_follows_the_head_weights_only(torch_predictor):
    model = torch_predictor.model
    key = export_mod.heads_key(model)
    with torch.no_grad():
        model.arg_head.bias[0] += 1.0
        try:
            assert export_mod.heads_key(model) != key
        finally:
            model.arg_head.bias[0] -= 1.0
        model.pred_head.bias[0] += 1.0  # not part of the exported heads
        try:
            assert export_mod.heads_key(model) == key
        finally:
            model.pred_head.bias[0] -= 1.0


def test_batched_viterbi_is_the_per_sentence_viterbi(torch_predictor):
    """The batch decoder the predictor uses returns exactly the per-sequence
    paths, on random scores with ties and on sequences of every length."""
    import numpy as np

    from pipeline.tagger.predictor import viterbi, viterbi_batch

    pr = torch_predictor
    rng = np.random.default_rng(0)
    for trans, start in ((pr.trans, pr.start_ok), (pr.ner_trans, pr.ner_start)):
        t = trans.shape[0]
        lengths = np.array([1, 2, 3, 7, 7, 12, 30, 1])
        lp = np.log(rng.dirichlet(np.ones(t), size=(len(lengths), 30))).astype(np.float32)
        lp[2] = np.round(lp[2])  # ties
        got = viterbi_batch(lp, lengths, trans, start)
        assert got == [viterbi(lp[k, :n], trans, start) for k, n in enumerate(lengths)]
    assert viterbi_batch(np.zeros((0, 4, 3), np.float32), np.zeros(0, int), pr.ner_trans[:3, :3],
                         pr.ner_start[:3]) == []


def test_cache_key_follows_the_weights(torch_predictor):
    enc = torch_predictor.model.encoder
    key = export_mod.encoder_key(enc)
    assert key == export_mod.encoder_key(enc)
    w = enc.encoder.layer[0].output.dense.bias
    with torch.no_grad():
        w[0] += 1.0
        try:
            assert export_mod.encoder_key(enc) != key
        finally:
            w[0] -= 1.0
    assert export_mod.encoder_key(enc) == key


def test_runtime_choice(torch_predictor, monkeypatch):
    # the environment chooses nothing: a run option travels in RunConfig and the handler
    monkeypatch.setenv("NEWSEVENTS_RUNTIME", "onnx-int8")
    assert Predictor(torch_predictor.model, torch_predictor.tokenizer).runtime == "torch"
    with pytest.raises(ValueError, match="unknown runtime"):
        Predictor(torch_predictor.model, torch_predictor.tokenizer, runtime="fp8")


def test_a_built_folder_loads_without_the_pytorch_model(model_dir, cache_dir, int8_predictor):
    """Once a folder's files are built, ``from_folder`` opens them with only the
    word heads in PyTorch (no encoder built, no weights hashed, transformers'
    model code not imported), and tags exactly as the full predictor does."""
    import subprocess
    import sys

    first = Predictor.from_folder(model_dir, runtime="onnx-int8", batch_size=8)  # notes the files
    assert export_mod.cached_files(export_mod.index_path(model_dir, True)) == \
        tuple(first._onnx.paths)
    lean = Predictor.from_folder(model_dir, runtime="onnx-int8", batch_size=8)
    assert type(lean.model).__name__ == "WordHeads"
    assert lean.predict(SENTENCES) == int8_predictor.predict(SENTENCES)
    # in a fresh process: transformers' BERT code never loads
    code = ("import sys; from pipeline.tagger.predictor import Predictor; "
            f"p = Predictor.from_folder({model_dir!r}, runtime='onnx-int8'); "
            "p.predict([['Rain', 'fell', '.']]); "
            "print(type(p.model).__name__, "
            "any(m.startswith('transformers.models') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True).stdout.split()
    assert out == ["WordHeads", "False"]


def test_changed_weights_are_a_new_folder_key(model_dir, tmp_path):
    """The lookup key follows the weights file: a retrained model in the same
    folder never opens the old files."""
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    before = export_mod.folder_key(str(copy), 4)
    assert export_mod.folder_key(str(copy), 4) == before
    assert export_mod.folder_key(str(copy), None) != before  # the extra layer is part of it
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 1]))
    assert export_mod.folder_key(str(copy), 4) != before
