"""The factuality head: did the event happen, as the sentence tells it?

The rules (``factuality``) read the tagger's NEG/MOD arguments and the governing
frame; this small trained network reads the sentence itself, around the
predicate, and corrects them where it is sure. Its input, per event:

* the in-context word vectors (the tagger encoder's layer ``layer``, the same
  vectors the event head reads) of up to ``window`` words of the sentence around
  the predicate, each with an embedding of its distance to the predicate
  (clipped at ``radius``) and a mark on the predicate's own words;
* the event head's flags of the frame (``head.frame_features``: parties,
  negation, modality class, the rules' factuality) and the predicate's vector.

One self-attention layer over the window lets the predicate read "not",
"would", "if", "plans to", "denied", "ahead of" wherever they sit, which the
event head's averaged vectors (predicate, agent, target, sentence) lose. It is
an ensemble of ``members`` seeds; its answer replaces the rules' where its
probability reaches ``min_prob`` (chosen out of fold on the dev articles: the
rules are right more often where it hesitates), except where the rules say a
value it saw too few examples of to learn (``keep_rules``: "denied").

Weights ``factuality_head.safetensors`` and settings ``factuality_head.json``
live in the tagger's model folder beside the event head, which loads it
(``EventHead.load``). Trained by ``python -m pipeline.tagger.train_factuality_head``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from pipeline.nlp.events.factuality import VALUES as FACTUALITY_VALUES
from pipeline.nlp.events.networks import load_weights, save_weights, seeded_members
from pipeline.paths import FolderJson

WEIGHTS_FILE = "factuality_head.safetensors"
CONFIG_FILE = "factuality_head.json"
#: padded lengths at run time are multiples of this (``FactualityHead.probabilities``)
BUCKET = 16

#: One event's context: its sentence's word vectors (words x dim) and the
#: predicate's word indices in that sentence.
Context = Tuple[np.ndarray, Sequence[int]]


@dataclass
class FactualityHeadConfig(FolderJson):
    FILE = CONFIG_FILE
    layer: int = 4          # tagger encoder layer whose word vectors are read
    dim: int = 384          # the encoder's hidden size
    n_flags: int = 0        # the event head's flags, the last n_flags of its features
    width: int = 128        # the attention layer's size
    heads: int = 4
    window: int = 64        # words read around the predicate
    radius: int = 12        # distances beyond this share one embedding
    members: int = 3
    min_prob: float = 1.01  # its answer where at least this sure, else the rules'
    # the rules' values that stand whatever the head says: those it saw too few
    # gold examples of to learn (a canonical "denied that it shelled" is rare)
    keep_rules: List[str] = field(default_factory=list)
    values: List[str] = field(default_factory=lambda: list(FACTUALITY_VALUES))
    extra: Dict = field(default_factory=dict)


def has_factuality_head(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, WEIGHTS_FILE)) and \
        os.path.isfile(os.path.join(folder, CONFIG_FILE))


def window_inputs(contexts: Sequence[Context], config: FactualityHeadConfig,
                  width: Optional[int] = None):
    """Arrays for a batch of events: word vectors (n x width x dim), a mask of
    real words, each word's clipped distance to the predicate (as an embedding
    index) and a 0/1 mark on the predicate's words. The window (``config.window``
    words) is centred on the predicate's first word and kept inside the sentence;
    ``width`` (default ``config.window``) is the padded length, at least every
    context's window."""
    n, w, r = len(contexts), config.window, config.radius
    width = width or w
    X = np.zeros((n, width, config.dim), np.float32)
    mask = np.zeros((n, width), bool)
    dist = np.zeros((n, width), np.int64)
    mark = np.zeros((n, width), np.int64)
    for i, (vectors, pred) in enumerate(contexts):
        p0 = pred[0]
        lo = max(0, min(p0 - w // 2, len(vectors) - w))
        hi = min(len(vectors), lo + w)
        X[i, :hi - lo] = vectors[lo:hi]
        mask[i, :hi - lo] = True
        dist[i, :hi - lo] = np.clip(np.arange(lo, hi) - p0, -r, r) + r
        for j in pred:
            if lo <= j < hi:
                mark[i, j - lo] = 1
    return X, mask, dist, mark


def build_network(config: FactualityHeadConfig, seed: int = 0):
    """``members`` networks whose logits are averaged (an ensemble of seeds)."""
    import torch
    from torch import nn

    class Member(nn.Module):
        def __init__(self):
            super().__init__()
            d = config.width
            self.inp = nn.Linear(config.dim, d)
            self.dist = nn.Embedding(2 * config.radius + 1, d)
            self.mark = nn.Embedding(2, d)
            self.attend = nn.TransformerEncoderLayer(d, config.heads, 2 * d, dropout=0.1,
                                                     batch_first=True)
            self.out = nn.Sequential(nn.Dropout(0.2),
                                     nn.Linear(d + config.n_flags + config.dim,
                                               len(config.values)))

        def forward(self, X, mask, dist, mark, pred, flags):
            h = self.attend(self.inp(X) + self.dist(dist) + self.mark(mark),
                            src_key_padding_mask=~mask)
            m = mark.unsqueeze(-1).to(h.dtype)
            at_pred = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.out(torch.cat([at_pred, flags, pred], -1))

    class FactualityNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.members = seeded_members(Member, config.members, seed)

        def forward(self, *inputs):
            return torch.stack([m(*inputs) for m in self.members]).mean(0)

    return FactualityNet()


class FactualityHead:
    """The trained network, ready to score batches of events (inference only)."""

    def __init__(self, config: FactualityHeadConfig, network):
        self.config = config
        self.net = network.eval()

    @classmethod
    def load(cls, folder: str) -> "FactualityHead":
        config = FactualityHeadConfig.load(folder)
        net = load_weights(build_network(config), os.path.join(folder, WEIGHTS_FILE))
        return cls(config, net)

    def save(self, folder: str) -> None:
        os.makedirs(folder, exist_ok=True)
        save_weights(self.net, os.path.join(folder, WEIGHTS_FILE))  # fp16 on disk
        self.config.save(folder)

    def inputs(self, contexts: Sequence[Context], head_features: np.ndarray,
               width: Optional[int] = None):
        """The network's input tensors for a batch: windows from ``contexts`` (padded
        to ``width``), the predicate's vector and the flags from the event head's
        features."""
        import torch

        feats = np.asarray(head_features, np.float32)
        arrays = window_inputs(contexts, self.config, width)
        pred, flags = feats[:, :self.config.dim], feats[:, feats.shape[1] - self.config.n_flags:]
        return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (*arrays, pred, flags))

    def probabilities(self, contexts: Sequence[Context], head_features: np.ndarray) -> np.ndarray:
        """Per event, a distribution over ``config.values``."""
        import torch

        out = np.zeros((len(contexts), len(self.config.values)), np.float32)
        # padded to the sentence's length rounded up to a multiple of BUCKET words,
        # not to the full window: news sentences run 20-30 words, and the
        # attention's cost grows with the square of the padded length. The padding
        # is masked, so the answer is the same as with a full window
        widths = np.array([min(self.config.window, -(-len(v) // BUCKET) * BUCKET)
                           for v, _ in contexts], np.int64)
        feats = np.asarray(head_features)
        with torch.inference_mode():
            for width in np.unique(widths):
                rows = np.flatnonzero(widths == width)
                logits = self.net(*self.inputs([contexts[i] for i in rows], feats[rows],
                                               int(width)))
                out[rows] = torch.softmax(logits, -1).numpy()
        return out

    def decide(self, probs: np.ndarray, rules: Sequence[str]) -> List[Optional[str]]:
        """Per event, its factuality where at least ``min_prob`` sure and the rules'
        value (``rules``) is not one of ``keep_rules``, else None (the rules' stands)."""
        return [self.config.values[int(np.argmax(p))]
                if p.max() >= self.config.min_prob and r not in self.config.keep_rules
                else None for p, r in zip(probs, rules)]
