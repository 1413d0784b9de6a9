"""Batched inference: sentences of words in, frames out.

The pipeline's ``infer`` step and ``make eval`` both call ``Predictor.predict``.
It knows nothing of Beam: a list of word lists in, a list of ``SentenceFrames``
out, in the same order.

Decoding choices (measured in the model card):
* a word is a predicate when the predicate head gives it p >= ``pred_threshold``;
* role tags are decoded per predicate by Viterbi over the BIO-allowed transitions
  (``I-X`` only after ``B-X``/``I-X``), with the predicate itself forced to ``B-V``,
  so every span is well formed;
* a numbered argument's function is the arg-max of the function head averaged over
  the span's words.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from . import labels as L
from .model import EventTagger, WordHeads, resolve_backbone
from .tokens import encode_words, load_word_tokenizer, word_means


@dataclass(frozen=True)
class Argument:
    label: str  # folded role label: ARG0 ... ARGM-OTHER
    start: int  # word index, inclusive
    end: int  # word index, inclusive
    score: float
    function: Optional[str] = None  # PAG, PPT, GOL ... for numbered arguments


@dataclass(frozen=True)
class PredFrame:
    pred_idx: int
    score: float  # predicate probability
    v_words: Tuple[int, ...]  # the predicate and its particles ("rule out")
    arguments: Tuple[Argument, ...]


@dataclass(frozen=True)
class Entity:
    label: str  # PER | ORG | LOC
    start: int
    end: int


@dataclass(frozen=True)
class SentenceFrames:
    frames: Tuple[PredFrame, ...]
    entities: Tuple[Entity, ...] = ()
    covered: int = 0  # words inside the model window (the rest got no labels)
    # words x hidden, float16: each word's mean sub-word vector after encoder
    # layer ``Predictor.context_layer`` (the event typer's input); None unless asked
    word_vectors: Optional[np.ndarray] = field(default=None, compare=False, repr=False)


def _transition_mask(tags: Sequence[str]) -> np.ndarray:
    n = len(tags)
    m = np.zeros((n, n), dtype=np.float32)
    for i, a in enumerate(tags):
        for j, b in enumerate(tags):
            if not L.allowed_transition(a, b):
                m[i, j] = -1e4
    return m


def viterbi(logp: np.ndarray, trans: np.ndarray, start_ok: np.ndarray) -> List[int]:
    """Best tag path under hard BIO constraints. ``logp``: words x tags."""
    n, t = logp.shape
    score = logp[0] + start_ok
    back = np.zeros((n, t), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + trans  # prev x cur
        back[i] = cand.argmax(0)
        score = cand.max(0) + logp[i]
    path = [int(score.argmax())]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def viterbi_batch(logp: np.ndarray, lengths: np.ndarray, trans: np.ndarray,
                  start_ok: np.ndarray) -> List[List[int]]:
    """``viterbi`` for many sequences at once: ``logp`` is sequences x steps x
    tags, sequence ``f`` uses its first ``lengths[f]`` (>= 1) steps. Returns
    exactly ``[viterbi(logp[f, :lengths[f]], trans, start_ok) for f ...]``: the
    same float32 sums and first-maximum tie-breaking, one NumPy step for all
    sequences instead of one per sequence."""
    f, w, t = logp.shape
    if f == 0:
        return []
    lengths = np.asarray(lengths, dtype=np.int64)
    score = logp[:, 0] + start_ok
    final = score.copy()
    back = np.zeros((f, w, t), dtype=np.int64)
    for i in range(1, int(lengths.max())):
        cand = score[:, :, None] + trans  # seq x prev x cur
        back[:, i] = cand.argmax(1)
        score = cand.max(1) + logp[:, i]
        done = lengths == i + 1
        if done.any():
            final[done] = score[done]
    rows = np.arange(f)
    cur = final.argmax(1)
    paths = np.zeros((f, w), dtype=np.int64)
    paths[rows, lengths - 1] = cur
    for i in range(int(lengths.max()) - 1, 0, -1):
        active = lengths - 1 >= i
        prev = back[rows, i, cur]
        cur = np.where(active, prev, cur)
        paths[active, i - 1] = prev[active]
    return [paths[k, :lengths[k]].tolist() for k in range(f)]


bio_spans = L.bio_spans  # kept importable from here


#: Most padded words (sentences x the longest) in one forward pass. 1,024, not
#: 2,048: on this 2-core machine the smaller passes are faster (100 passes of
#: the bench corpus: 13 % on PyTorch, 18 % on ONNX Runtime int8; activations
#: that stay in cache) and halve the largest allocation of a pass of long
#: sentences (docs/PERFORMANCE.md, item 11).
MAX_BATCH_WORDS = 1024

#: Most frame-words (frames x the pass's padded length) in one call of the role
#: heads. The heads copy every word once per frame (F x W x 2H features, then
#: the BiLSTM), so a pass of long, verb-dense sentences would otherwise make
#: the largest allocation of the run: about 15 KB per frame-word on ONNX Runtime
#: int8, 270 MB for the worst pass of the 2,000-article bench corpus, and more
#: for a larger corpus, whose worst pass is worse (docs/PERFORMANCE.md, item 11).
MAX_FRAME_WORDS = 4096


def frame_chunks(n_frames: int, padded_words: int,
                 max_frame_words: int = MAX_FRAME_WORDS) -> List[Tuple[int, int]]:
    """``[lo, hi)`` ranges of a pass's frames, each of at most
    ``max_frame_words`` frame-words (at least one frame)."""
    step = max(1, max_frame_words // max(1, padded_words))
    return [(lo, min(lo + step, n_frames)) for lo in range(0, n_frames, step)]


def cut_passes(order: Sequence[int], lengths: Sequence[int], batch_size: int,
               max_batch_words: int = MAX_BATCH_WORDS) -> List[List[int]]:
    """``order`` (indices sorted by ``lengths``) cut into forward passes of at
    most ``batch_size`` sentences and ``max_batch_words`` padded words."""
    passes: List[List[int]] = []
    cur: List[int] = []
    for i in order:
        longest = max(1, lengths[i])  # sorted: the newest is the longest
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * longest > max_batch_words):
            passes.append(cur)
            cur = []
        cur.append(i)
    if cur:
        passes.append(cur)
    return passes


class Predictor:
    def __init__(self, model: Union[EventTagger, WordHeads], tokenizer=None, device: str = "cpu",
                 pred_threshold: float = 0.5, batch_size: int = 32,
                 runtime: str = "torch", max_batch_words: int = MAX_BATCH_WORDS,
                 context_layer: Optional[int] = None, max_frame_words: int = MAX_FRAME_WORDS,
                 onnx_files: Optional[Tuple[str, str]] = None, frame_gate=None):
        """``batch_size``: sentences per forward pass, and ``max_batch_words``
        the most padded words in one (sentences x the longest): long sentences
        go in smaller passes, so that a pass's activations (attention grows with
        length squared) and so the peak memory stay bounded; likewise
        ``max_frame_words`` for the role heads, which run on a pass's frames in
        chunks of at most that many frames x padded words.
        ``runtime``: what computes the encoder and the role heads:
        ``"torch"``, or ONNX Runtime with ``"onnx"`` (fp32) / ``"onnx-int8"``
        (see ``onnx_runtime``).
        ``context_layer``: also return, per sentence, every word's vector after
        that encoder layer (``SentenceFrames.word_vectors``), taken from the
        same forward pass: what the event head (and the similarity typer) read.
        ``model``: the ``EventTagger``, or, with ONNX Runtime and the
        ``onnx_files`` (encoder, heads) built earlier for it, only its
        ``WordHeads`` (``from_folder`` picks).
        ``frame_gate``: a ``pipeline.nlp.events.gate.FrameGate``; predicates it
        judges no possible event get no frame at all (no role heads, no
        decoding): the pipeline's default, ``--all-frames`` turns it off. It
        reads the ``context_layer`` vectors, so that layer must be its own."""
        from .onnx_runtime import check_runtime

        self.runtime = check_runtime(runtime)
        self.model = model.to(device).eval()
        self.word_heads = model.word_heads  # the predicate and NER heads, on every runtime
        self.device = torch.device(device)
        self.config = model.config
        self.tokenizer = tokenizer or load_word_tokenizer(resolve_backbone(model.config.backbone))
        # A fast tokenizer's first call sets its truncation and padding (a
        # mutable borrow of the Rust object): a second thread encoding at that
        # moment fails with "Already borrowed". RunInference shares one model
        # among a worker's threads (multi-threaded local runs, Dataflow).
        self._tokenize_lock = threading.Lock()
        self.pred_threshold = pred_threshold
        self.batch_size = batch_size
        self.max_batch_words = max_batch_words
        self.max_frame_words = max_frame_words
        n_layers = model.n_layers
        if context_layer is not None and not 0 <= context_layer <= n_layers:
            raise ValueError(f"context_layer {context_layer} is not a layer of this "
                             f"{n_layers}-layer encoder")
        self.context_layer = context_layer
        if frame_gate is not None and frame_gate.config.layer != context_layer:
            raise ValueError(f"the frame gate reads layer {frame_gate.config.layer}; the "
                             f"predictor's context layer is {context_layer}")
        self.frame_gate = frame_gate
        self.bio = list(self.config.bio_tags)
        self.trans = _transition_mask(self.bio)
        self.start_ok = np.array([0.0 if not t.startswith("I-") else -1e4 for t in self.bio],
                                 dtype=np.float32)
        self.b_v = self.bio.index("B-V")
        self.ner_trans = _transition_mask(self.config.ner_tags)
        self.ner_start = np.array([0.0 if not t.startswith("I-") else -1e4
                                   for t in self.config.ner_tags], dtype=np.float32)
        self._onnx = None
        if self.runtime != "torch":
            if self.device.type != "cpu":
                raise ValueError(f"runtime {self.runtime!r} runs on the CPU only, not {device!r}")
            from .onnx_runtime import OnnxTagger

            self._onnx = OnnxTagger(model, int8=self.runtime == "onnx-int8",
                                    extra_layer=context_layer, files=onnx_files)
        elif not isinstance(model, EventTagger):
            raise ValueError("runtime 'torch' needs the whole EventTagger, not its word heads")

    @classmethod
    def from_folder(cls, folder: str, device: str = "cpu", runtime: str = "torch",
                    **kw) -> "Predictor":
        """The predictor of a model folder. On ONNX Runtime, once this folder's
        files are built (the first run on a machine), only the small word heads
        load in PyTorch: no encoder is built (the folder's files are hashed once,
        ``onnx_export.index_path``, to find the built ones)."""
        from .onnx_runtime import check_runtime

        if check_runtime(runtime) == "torch" or device != "cpu":
            return cls(EventTagger.load(folder, device=device), device=device, runtime=runtime,
                       **kw)
        from .onnx_export import cached_files, index_path, remember_files

        try:
            index = index_path(folder, runtime == "onnx-int8", kw.get("context_layer"))
        except OSError:  # an unreadable folder: the full load below says what is wrong
            index = None
        files = cached_files(index) if index else None
        if files:
            return cls(WordHeads.load(folder), device=device, runtime=runtime,
                       onnx_files=files, **kw)
        predictor = cls(EventTagger.load(folder, device=device), device=device, runtime=runtime,
                        **kw)
        if index:
            remember_files(index, folder, *predictor._onnx.paths)
        return predictor

    @property
    def name(self) -> str:
        return f"{self.config.name}@{self.config.version}"

    # ------------------------------------------------------------------ API

    def predict(self, sentences: Sequence[Sequence[str]],
                gold_predicates: Optional[Sequence[Sequence[int]]] = None) -> List[SentenceFrames]:
        """Frames for each sentence. With ``gold_predicates`` (one list of word
        indices per sentence) the predicate head is bypassed (evaluation)."""
        out: List[Optional[SentenceFrames]] = [None] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for idx in cut_passes(order, [len(s) for s in sentences], self.batch_size,
                              self.max_batch_words):
            batch = [list(sentences[i]) for i in idx]
            gold = [gold_predicates[i] for i in idx] if gold_predicates is not None else None
            for i, res in zip(idx, self._predict_batch(batch, gold)):
                out[i] = res
        return out  # type: ignore[return-value]

    @torch.inference_mode()
    def _predict_batch(self, batch: List[List[str]], gold) -> List[SentenceFrames]:
        results: List[SentenceFrames] = []
        nonempty = [i for i, s in enumerate(batch) if s]
        if not nonempty:
            return [SentenceFrames(()) for _ in batch]
        with self._tokenize_lock:
            feats = encode_words(self.tokenizer, [batch[i] for i in nonempty], self.config.max_subwords)
        feats = {k: v.to(self.device) for k, v in feats.items()}
        runner = self._onnx if self._onnx is not None else self.model
        vectors = None
        if self.context_layer is None:
            words = runner.encode(feats["input_ids"], feats["attention_mask"],
                                  feats["word_index"], feats["word_mask"])
        else:
            words, at_layer = runner.encode_with_layer(
                feats["input_ids"], feats["attention_mask"], feats["word_index"],
                feats["word_mask"], self.context_layer)
            vectors = word_means(at_layer.float(), feats["subword_word"].to(at_layer.device),
                                 feats["word_index"].size(1)).to(torch.float16).cpu().numpy()
        pred_logits, ner_logits = self.word_heads(words)
        pred_p = torch.softmax(pred_logits.float(), -1)[..., 1].cpu().numpy()
        ner_lp = torch.log_softmax(ner_logits.float(), -1).cpu().numpy()
        mask = feats["word_mask"].cpu().numpy()

        frame_sent, frame_pred = [], []
        for r, i in enumerate(nonempty):
            if gold is not None:
                preds = [p for p in gold[i] if p < len(batch[i]) and mask[r, p] > 0]
            else:
                preds = [p for p in range(len(batch[i])) if mask[r, p] > 0
                         and pred_p[r, p] >= self.pred_threshold]
                if preds and self.frame_gate is not None:
                    # before the role heads: a predicate that can be no event costs
                    # nothing more (its frame is not decoded, nor written)
                    keep = self.frame_gate.keep(vectors[r, :len(batch[i])], preds, batch[i])
                    preds = [p for p, k in zip(preds, keep) if k]
            for p in preds:
                frame_sent.append(r)
                frame_pred.append(p)
        frames_by_row: dict = {r: [] for r in range(len(nonempty))}
        for lo, hi in frame_chunks(len(frame_sent), words.size(1), self.max_frame_words):
            rows, heads = frame_sent[lo:hi], frame_pred[lo:hi]
            arg_lp, fn_lp = self._frame_log_probs(words, feats["word_mask"], rows, heads)
            lengths = [len(batch[nonempty[r]]) for r in rows]
            decoded = self._decode_frames(arg_lp, fn_lp, mask[rows], heads, lengths,
                                          [float(pred_p[r, p]) for r, p in zip(rows, heads)])
            for r, frame in zip(rows, decoded):
                frames_by_row[r].append(frame)
        cov_ns = [int(mask[r, :len(batch[i])].sum()) for r, i in enumerate(nonempty)]
        ents_by_row = self._decode_entities_batch(ner_lp, cov_ns)
        row_of = {i: r for r, i in enumerate(nonempty)}
        for i, s in enumerate(batch):
            if i not in row_of:
                results.append(SentenceFrames(()))
                continue
            r = row_of[i]
            vec = None if vectors is None else np.ascontiguousarray(vectors[r, :len(s)])
            results.append(SentenceFrames(tuple(frames_by_row[r]), ents_by_row[r], cov_ns[r], vec))
        return results

    def _frame_log_probs(self, words, word_mask, rows: List[int], preds: List[int]):
        """(arg_lp, fn_lp) as NumPy log-probabilities, frames x words x tags,
        for the frames (batch row, predicate word) of one chunk."""
        fs = torch.tensor(rows, device=self.device)
        fp = torch.tensor(preds, device=self.device)
        if self._onnx is not None:
            return self._onnx.frame_log_probs(words, word_mask, fs, fp)
        arg_logits, fn_logits = self.model.frame_heads(words, word_mask, fs, fp)
        return (torch.log_softmax(arg_logits.float(), -1).cpu().numpy(),
                torch.log_softmax(fn_logits.float(), -1).cpu().numpy())

    def _decode_frames(self, arg_lp: np.ndarray, fn_lp: np.ndarray, cov_mask: np.ndarray,
                       preds: List[int], lengths: List[int], pscores: List[float]) -> List[PredFrame]:
        """All frames of a batch: Viterbi over the BIO-allowed transitions with
        the words outside the window forced to ``O`` and the predicate to
        ``B-V`` (frame ``k``: its sentence's first ``lengths[k]`` words)."""
        lp = arg_lp.copy()
        uncovered = cov_mask[:, :lp.shape[1]] <= 0
        lp[uncovered] = -1e4
        lp[uncovered, 0] = 0.0  # words past the window are "O"
        rows = np.arange(len(preds))
        lp[rows, preds] = -1e4
        lp[rows, preds, self.b_v] = 0.0  # the predicate is the V
        paths = viterbi_batch(lp, np.array(lengths), self.trans, self.start_ok)
        probs = np.exp(lp.max(-1))
        return [self._frame(path, probs[k], fn_lp[k], preds[k], pscores[k])
                for k, path in enumerate(paths)]

    def _frame(self, path: List[int], probs: np.ndarray, fn_lp: np.ndarray, p: int,
               pscore: float) -> PredFrame:
        tags = [self.bio[t] for t in path]
        args, v_words = [], {p}
        for label, s, e in bio_spans(tags):
            if label == "V":  # the predicate and its particles: "rule ... out"
                v_words.update(range(s, e + 1))
                continue
            fn = None
            if L.is_numbered(label):
                fn = self.config.functions[int(fn_lp[s:e + 1].mean(0).argmax())]
            args.append(Argument(label, s, e, float(probs[s:e + 1].mean()), fn))
        return PredFrame(p, pscore, tuple(sorted(v_words)), tuple(args))

    def _decode_entities_batch(self, ner_lp: np.ndarray, cov_ns: List[int]) -> List[Tuple[Entity, ...]]:
        """Entities of each row, decoded over its first ``cov_ns[r]`` words."""
        out: List[Tuple[Entity, ...]] = [() for _ in cov_ns]
        rows = [r for r, n in enumerate(cov_ns) if n]
        if not rows:
            return out
        paths = viterbi_batch(ner_lp[rows], np.array([cov_ns[r] for r in rows]),
                              self.ner_trans, self.ner_start)
        for r, path in zip(rows, paths):
            out[r] = self._entities(path)
        return out

    def _entities(self, path: List[int]) -> Tuple[Entity, ...]:
        """IOB2 Viterbi path -> entities, adjacent same-type spans merged: the head
        often starts each word of a name afresh ("B-PER B-PER" for "Vladimir
        Putin"), while two distinct entities of one type touching with nothing
        between is rare."""
        tags = [self.config.ner_tags[t] for t in path]
        merged: List[List] = []
        for lbl, s, e in bio_spans(tags):
            if merged and merged[-1][0] == lbl and merged[-1][2] == s - 1:
                merged[-1][2] = e
            else:
                merged.append([lbl, s, e])
        return tuple(Entity(lbl, s, e) for lbl, s, e in merged)
