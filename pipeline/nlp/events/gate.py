"""The frame gate: can this predicate be a countable event at all?

A tiny classifier that runs on the tagger encoder's in-context vectors alone,
BEFORE role decoding: the pipeline skips the role heads (the BiLSTM, Viterbi),
decoding and the event head for the predicates it rejects. It is a cheap first
look, not the event head: its threshold is set for very high recall of real
events (every gold event it drops is lost), so it throws out only the
predicates that are plainly no event (copulas, auxiliaries, states, light
verbs, reporting frames) and leaves every borderline decision to the head.

Input, per candidate predicate at word ``p`` of a sentence whose word vectors
(``SentenceFrames.word_vectors``: words x dim, each word's mean sub-word vector
after encoder layer ``layer``) are ``V``: ``concat(V[p], V.mean(0))``, float32.
These are two slices of the event head's features (``head.frame_features``):
the predicate's ``[0:dim]`` and the sentence's ``[3 * dim:4 * dim]``
(``gate_inputs``). One approximation: the head's predicate slice is the mean
over the predicate word and its particles ("rule ... out"), which only role
decoding finds; the gate, running before it, reads the predicate word alone.
A particle changes little of a verb's in-context vector, so the gate is trained
on the head's slices and applied to the single word.

The network: a logistic regression, or one hidden ReLU layer (``hidden`` units)
and a sigmoid output. Training averages the logits of a few seeds and folds
them, and the input standardization, into this one network, so inference is
one or two small matrix products.
Inference is NumPy only (no torch on the hot path); the weights
(``frame_gate.safetensors``, well under a megabyte) and their configuration
(``frame_gate.json``: layer, dim, hidden, threshold, provenance and the
out-of-fold figures) live in the tagger's model folder beside the event head.

Trained by ``python -m pipeline.tagger.train_frame_gate`` on the event head's
examples and label (distant supervision on the tagger's training predicates, the
gold set's dev and training-only rows weighted up, the balanced dev set's typed
events). The threshold and the model form were chosen out of fold on the gold
set's dev articles (two folds by article): the largest threshold that keeps at
least 98 % of the dev rows that are gold events and of those that are gold coded
events; ``extra["oof_dev"]`` holds the share of rows rejected at it and the two
recalls.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import numpy as np

from pipeline.nlp.events.factuality import (CONDITIONAL_WORDS, FUTURE_MODALS,
                                             HYPOTHETICAL_MODALS, REPORTED_FUTURE_MODALS)
from pipeline.paths import FolderJson

GATE_WEIGHTS = "frame_gate.safetensors"
GATE_CONFIG = "frame_gate.json"


@dataclass
class GateConfig(FolderJson):
    FILE = GATE_CONFIG
    layer: int = 4            # tagger encoder layer whose word vectors are read
    dim: int = 384            # the encoder's hidden size (the input is 2 * dim wide)
    hidden: int = 64          # hidden units; 0: logistic regression
    threshold: float = 0.5    # p at or above which a predicate is kept
    extra: Dict = field(default_factory=dict)  # provenance and out-of-fold figures


def has_gate(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, GATE_WEIGHTS)) and \
        os.path.isfile(os.path.join(folder, GATE_CONFIG))


def gate_inputs(head_features: np.ndarray, dim: int) -> np.ndarray:
    """The gate's inputs from the event head's features (rows x ``4 * dim + flags``):
    the predicate slice and the sentence slice, float32 (training)."""
    X = np.asarray(head_features)
    return np.concatenate([X[:, :dim], X[:, 3 * dim:4 * dim]], axis=1).astype(np.float32)


def sentence_inputs(word_vectors: np.ndarray, preds: Sequence[int]) -> np.ndarray:
    """The gate's inputs for predicates ``preds`` of one sentence (inference)."""
    V = np.asarray(word_vectors, dtype=np.float32)
    idx = np.asarray(preds, dtype=np.int64)
    sent = np.broadcast_to(V.mean(0), (len(idx), V.shape[1]))
    return np.concatenate([V[idx], sent], axis=1)


class FrameGate:
    """The trained gate (thread-safe: inference only, on read-only arrays)."""

    def __init__(self, config: GateConfig, params: Dict[str, np.ndarray]):
        self.config = config
        self.params = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in params.items()}
        self._w1: Optional[np.ndarray] = self.params.get("hidden.weight")  # in x hidden
        self._b1: Optional[np.ndarray] = self.params.get("hidden.bias")
        self._w2 = self.params["out.weight"]  # (hidden or in,)
        self._b2 = float(self.params["out.bias"].reshape(-1)[0])

    @classmethod
    def load(cls, folder: str) -> "FrameGate":
        from safetensors.numpy import load_file

        return cls(GateConfig.load(folder), load_file(os.path.join(folder, GATE_WEIGHTS)))

    def save(self, folder: str) -> None:
        from safetensors.numpy import save_file

        os.makedirs(folder, exist_ok=True)
        save_file(self.params, os.path.join(folder, GATE_WEIGHTS))
        self.config.save(folder)

    def score_inputs(self, X: np.ndarray) -> np.ndarray:
        """p(event) per row of gate inputs (rows x ``2 * dim``)."""
        h = np.asarray(X, dtype=np.float32)
        if self._w1 is not None:
            h = np.maximum(h @ self._w1 + self._b1, 0.0)
        z = h @ self._w2 + self._b2
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def scores(self, word_vectors: np.ndarray, preds: Sequence[int]) -> np.ndarray:
        """p(event) for each predicate (word index) of one sentence whose word
        vectors (words x dim, at encoder layer ``config.layer``) are given."""
        if len(preds) == 0:
            return np.zeros(0, np.float32)
        return self.score_inputs(sentence_inputs(word_vectors, preds))

    def keep(self, word_vectors: np.ndarray, preds: Sequence[int],
             words: Optional[Sequence[str]] = None) -> np.ndarray:
        """Which predicates go on to role decoding: p >= the threshold, or, given
        the sentence's ``words``, a predicate another frame's factuality may
        depend on (``may_govern``)."""
        keep = self.scores(word_vectors, preds) >= self.config.threshold
        if words is not None:  # only the rejected ones need the word check (a hot path)
            for k in np.flatnonzero(~keep):
                keep[k] = may_govern(words, preds[k])
        return keep


#: a negation or modal this close before a predicate may make it a governor that
#: did not happen ("did not say that ...", "could want to ..."), which passes that on
_NOT_ASSERTED_BEFORE = ({"not", "n't", "never", "no"} | FUTURE_MODALS | REPORTED_FUTURE_MODALS
                        | HYPOTHETICAL_MODALS | CONDITIONAL_WORDS)


def may_govern(words: Sequence[str], p: int) -> bool:
    """Is word ``p`` a predicate whose frame another frame's factuality may read
    (``pipeline.nlp.events.factuality``: the governing frame)? The governors of
    its word lists ("threatened [to deliver]", "wants [to attack]", "denied
    [sending]"), and a predicate with a negation, modal or condition word just
    before it. Such frames are decoded whatever the gate says: without them an
    event they govern would read as told as fact (measured on 200 bench articles:
    229 of 10,992 kept rows changed factuality, 23 their ``coded``)."""
    return _governor_word(words[p].lower()) or any(
        w.lower() in _NOT_ASSERTED_BEFORE for w in words[max(0, p - 3):p])


@functools.lru_cache(maxsize=65536)
def _governor_word(word: str) -> bool:
    from pipeline.nlp.events.factuality import GOVERNORS
    from pipeline.nlp.events.frames import lemmatize

    return lemmatize(word) in GOVERNORS or word in GOVERNORS
