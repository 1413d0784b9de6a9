"""The event head: is a predicate frame a countable event, and of which PLOVER type?

A small network on the tagger's own forward pass. Its input is one frame's
features (``frame_features``): the in-context vectors, at the tagger encoder's
layer ``layer``, of the predicate's words, of its agent (who), of its
target/object, and of the whole sentence, plus a few flags (which parties
exist, negation, modality, factuality). ``decode`` builds them from the vectors
the tagger hands out with its frames; ``classify`` runs the head over a batch
of articles. Two outputs:

* ``event``: the probability that the frame is a countable event (not a state,
  copula, light verb, a nominal that names no happening, or a reporting frame);
* ``type``: a distribution over the 16 PLOVER types and OTHER, temperature-scaled
  on the dev part of the gold set so that ``event_type_score`` is a probability.

The weights (``event_head.safetensors``) and everything needed to use them
(``event_head.json``: layer, feature layout, temperature, threshold, training
provenance) live in the tagger's model folder: configuration travels with the
weights. Trained by ``python -m pipeline.tagger.train_event_head``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from pipeline.nlp.events.factuality import VALUES as FACTUALITY_VALUES
from pipeline.nlp.events.networks import load_weights, save_weights, seeded_members
from pipeline.paths import FolderJson

PLOVER_TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT",
                "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION",
                "MOBILIZE", "COERCE", "ASSAULT"]
TYPES = PLOVER_TYPES + ["OTHER"]
WEIGHTS_FILE = "event_head.safetensors"
CONFIG_FILE = "event_head.json"
MODAL_CLASSES = ("future", "hypothetical", "other")
N_FLAGS = 4 + len(MODAL_CLASSES) + len(FACTUALITY_VALUES)


@dataclass
class EventHeadConfig(FolderJson):
    FILE = CONFIG_FILE
    layer: int = 4                 # tagger encoder layer whose word vectors are read
    hidden: int = 256
    members: int = 3               # networks averaged (seeds), for steadier probabilities
    # "head": the head's own factuality output replaces the rules' (decode) when it
    # scored better out of fold on the dev articles; "rules": the rules' stays.
    # Both give way to a factuality head in the same folder (``factuality_head``)
    factuality_source: str = "rules"
    factuality_min_prob: float = 1.01  # with "head": its answer where at least this sure
    dim: int = 384                 # the encoder's hidden size
    temperature: float = 1.0       # type logits / temperature = calibrated probabilities
    event_threshold: float = 0.5   # p(event) at or above which a frame is an event
    other_threshold: float = 0.5   # p(OTHER) at or above which the type is OTHER
    types: List[str] = field(default_factory=lambda: list(TYPES))
    extra: Dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return 4 * self.dim + N_FLAGS


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits."""
    z = np.exp(z - z.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def has_head(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, WEIGHTS_FILE)) and \
        os.path.isfile(os.path.join(folder, CONFIG_FILE))


def missing_head(folder: str) -> Optional[str]:
    """What to tell an operator whose model folder has no event head; None if it has one."""
    if has_head(folder):
        return None
    return (f"model folder {folder} has no event head ({WEIGHTS_FILE} and {CONFIG_FILE}): "
            f"train one with python -m pipeline.tagger.train_event_head --model {folder}, "
            f"or run with --no-event-types")


def _mean(vectors: np.ndarray, words: Sequence[int]) -> Tuple[np.ndarray, bool]:
    idx = [i for i in words if 0 <= i < len(vectors)]
    if not idx:
        return np.zeros(vectors.shape[1], np.float32), False
    return vectors[idx].astype(np.float32).mean(0), True


def modal_class(modality: Optional[str]) -> str:
    from pipeline.nlp.events.factuality import FUTURE_MODALS, HYPOTHETICAL_MODALS, REPORTED_FUTURE_MODALS

    m = (modality or "").lower()
    if m in FUTURE_MODALS or m in REPORTED_FUTURE_MODALS:
        return "future"
    if m in HYPOTHETICAL_MODALS:
        return "hypothetical"
    return "other"


def frame_features(word_vectors: np.ndarray, pred_words: Sequence[int],
                   who_words: Sequence[int], target_words: Sequence[int],
                   negated: bool, modality: Optional[str], factuality: str) -> np.ndarray:
    """One frame's input to the head, float16 (it rides in the event row)."""
    pred, _ = _mean(word_vectors, pred_words)
    who, has_who = _mean(word_vectors, who_words)
    tgt, has_tgt = _mean(word_vectors, target_words)
    sent, _ = _mean(word_vectors, range(len(word_vectors)))
    mc = modal_class(modality) if modality else None
    flags = [float(has_who), float(has_tgt), float(negated), float(modality is not None)]
    flags += [float(mc == c) for c in MODAL_CLASSES]
    flags += [float(factuality == v) for v in FACTUALITY_VALUES]
    return np.concatenate([pred, who, tgt, sent, np.array(flags, np.float32)]).astype(np.float16)


def rules_factuality(features: np.ndarray) -> List[str]:
    """The rules' factuality of each row, read back from its flags (the last
    ``len(FACTUALITY_VALUES)`` of ``frame_features``)."""
    flags = np.asarray(features)[:, -len(FACTUALITY_VALUES):]
    return [FACTUALITY_VALUES[int(np.argmax(f))] for f in flags]


def build_network(config: EventHeadConfig, seed: int = 0):
    """``members`` small networks whose logits are averaged (an ensemble of seeds)."""
    import torch
    from torch import nn

    class Member(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(config.n_features, config.hidden), nn.GELU(),
                                      nn.Dropout(0.2))
            self.event_out = nn.Linear(config.hidden, 1)
            self.type_out = nn.Linear(config.hidden, len(config.types))
            # factuality on a body of its own: its (gold-only) loss must not pull
            # the event and type outputs' representation about
            self.fact_body = nn.Sequential(nn.Linear(config.n_features, config.hidden),
                                           nn.GELU(), nn.Dropout(0.2))
            self.fact_out = nn.Linear(config.hidden, len(FACTUALITY_VALUES))

        def forward(self, x):
            h = self.body(x)
            return (self.event_out(h).squeeze(-1), self.type_out(h),
                    self.fact_out(self.fact_body(x)))

    class EventHeadNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.members = seeded_members(Member, config.members, seed)

        def forward(self, x):
            outs = [m(x) for m in self.members]
            return tuple(torch.stack([o[k] for o in outs]).mean(0) for k in range(3))

    return EventHeadNet()


class EventHead:
    """The trained head, ready to score batches of feature vectors (thread-safe:
    inference only). ``factuality_head``: the folder's factuality head, when it
    has one (``factuality_head``); it then decides factuality instead of this
    head's own factuality output."""

    def __init__(self, config: EventHeadConfig, network, factuality_head=None):
        self.config = config
        self.net = network.eval()
        self.factuality_head = factuality_head

    @classmethod
    def load(cls, folder: str) -> "EventHead":
        from pipeline.nlp.events.factuality_head import FactualityHead, has_factuality_head

        config = EventHeadConfig.load(folder)
        net = load_weights(build_network(config), os.path.join(folder, WEIGHTS_FILE))
        return cls(config, net,
                   FactualityHead.load(folder) if has_factuality_head(folder) else None)

    def save(self, folder: str) -> None:
        os.makedirs(folder, exist_ok=True)
        save_weights(self.net, os.path.join(folder, WEIGHTS_FILE))  # fp16 on disk
        self.config.save(folder)

    def with_factuality_of(self, other: "EventHead") -> "EventHead":
        """This head's event and type outputs with ``other``'s factuality body and
        output and its factuality settings: the two are separate sub-networks
        (``build_network``), so the event and type outputs stay bit for bit."""
        state = self.net.state_dict()
        state.update({k: v for k, v in other.net.state_dict().items() if ".fact_" in k})
        net = build_network(self.config)
        net.load_state_dict(state)
        config = replace(self.config, factuality_source=other.config.factuality_source,
                         factuality_min_prob=other.config.factuality_min_prob)
        return EventHead(config, net, self.factuality_head)

    def logits(self, features: np.ndarray):
        import torch

        with torch.inference_mode():
            e, t, f = self.net(torch.from_numpy(np.asarray(features, np.float32)))
        return e.numpy(), t.numpy(), f.numpy()

    def predict(self, features: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(p_event, calibrated type probabilities, factuality probabilities) per row,
        from one pass of the network."""
        e, t, f = self.logits(features)
        return 1.0 / (1.0 + np.exp(-e)), softmax(t / self.config.temperature), softmax(f)

    @staticmethod
    def decide_type(probs: np.ndarray, config: EventHeadConfig) -> str:
        """OTHER when its probability reaches ``other_threshold``, else the
        likeliest PLOVER type: OTHER is most of the training data, and a
        threshold chosen on the gold dev set undoes that prior."""
        other = config.types.index("OTHER")
        if probs[other] >= config.other_threshold:
            return "OTHER"
        return config.types[int(np.argmax(np.where(np.arange(len(probs)) == other, -1, probs)))]

    def classify(self, features: np.ndarray, contexts=None
                 ) -> List[Tuple[bool, float, str, float, Optional[str]]]:
        """Per row: (is_event, p_event, type, p_type, factuality); factuality is None
        where the rules' value (already in the row) stands. ``contexts``: per row,
        the factuality head's input (``Event.head_context``); with a factuality
        head it is required, and that head decides factuality."""
        if len(features) == 0:
            return []
        pe, pt, pf = self.predict(features)
        if self.factuality_head is not None:
            if contexts is None or len(contexts) != len(features):
                raise ValueError("the factuality head needs each event's context")
            facts = self.factuality_head.decide(
                self.factuality_head.probabilities(contexts, features),
                rules_factuality(features))
        elif self.config.factuality_source == "head":
            facts = [FACTUALITY_VALUES[int(np.argmax(fp))]
                     if fp.max() >= self.config.factuality_min_prob else None for fp in pf]
        else:
            facts = [None] * len(features)
        out = []
        for p, probs, fact in zip(pe, pt, facts):
            t = self.decide_type(probs, self.config)
            out.append((bool(p >= self.config.event_threshold), float(p), t,
                        float(probs[self.config.types.index(t)]), fact))
        return out


#: what ``coded`` admits besides asserted events: announced acts that PLOVER
#: codes as the act itself (a threat, a demand, sanctions or aid announced)
FUTURE_CODED = {"THREATEN", "REQUEST", "SANCTION", "AID"}


def is_coded(is_event: bool, event_type: Optional[str], factuality: Optional[str],
             who: Optional[str]) -> bool:
    """A countable event with a PLOVER type, that happened (or was announced as
    PLOVER codes announcements), and that has an agent in the text."""
    if not is_event or not event_type or event_type == "OTHER" or not who:
        return False
    return factuality == "asserted" or (factuality == "future" and event_type in FUTURE_CODED)
