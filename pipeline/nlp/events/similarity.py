"""PLOVER event types by sentence-embedding similarity: "warned South Korea" -> THREATEN.

``EventTyper().type_events(rows)`` gives each event row one of the 16 PLOVER
types (AGREE, CONSULT, SUPPORT, CONCEDE, COOPERATE, AID, RETREAT, REQUEST,
ACCUSE, REJECT, THREATEN, PROTEST, SANCTION, MOBILIZE, COERCE, ASSAULT) or OTHER,
with a calibrated probability.

Method
    * Encoder: the bottom ``CONTEXT_LAYER`` (2) layers of the tagger's own
      encoder. Tagger 0.4.0 fine-tuned all six layers, so no layer is
      all-MiniLM's own any more; the layer and the calibration below were
      chosen again on the dev set for 0.4.0 (``python -m bench.event_types_eval
      --fit --layer N`` for N = 2, 3, 4: dev accuracy 0.877, 0.849, 0.863;
      the lowest layers are the least bent towards role tagging).
    * The event's vector is taken *in context*, from the tagger's forward pass
      over the sentence that the pipeline runs anyway: the mean of the layer-2
      vectors of the words of who, action, target and object
      (``Predictor(context_layer=2)`` -> ``SentenceFrames.word_vectors`` ->
      ``decode`` -> the row's ``_type_vec``). No second transformer pass per
      event: typing costs a few matrix products.
    * Type descriptions, example phrasings and lemmas are short texts embedded
      on their own with the same 2 layers: mean pooling over the attention mask
      (what sentence-transformers does) and L2 normalisation. So is an event
      that comes without ``_type_vec`` (no sentence to read it in).
    * Type descriptions (``TYPES``, in ``codebook``): for every type a
      definition in our own words after the PLOVER codebook, six example event
      phrasings, and a few typical predicate lemmas. OTHER (reporting, saying,
      economic news, ...) has the same and competes like a type.
    * Three similarities per type, all cosine: the event (its in-context
      vector, or the embedding of "{who} {action} {target} {object}" when it
      has none) against the type *prototype* (mean embedding of definition +
      examples) and against its *nearest example*, and the event's
      ``action_lemma`` against the mean embedding of the type's lemmas. The
      type score is a weighted sum; weights, an OTHER floor (a type scoring
      below it yields OTHER) and a softmax temperature (the reported
      ``event_type_score`` is the softmax probability of the chosen type) are
      fitted on the labelled dev set ``tests/data/gold/event_types_dev.jsonl``
      by ``python -m bench.event_types_eval --fit``; ``CALIBRATION`` holds the
      result. Accuracy is reported on the separate test set.
    * Negation (the only rules). Negation scopes over the predicate, so a negated
      event whose *predicate* (its lemma alone) is most similar to REJECT, AGREE
      or SUPPORT is judged by that type; other negated events by their type:
      - a negated REJECT ("does not rule out supplying weapons", "did not
        exclude") announces a possible act: it is THREATEN, unless the act in
        its target/object is clearly (probability >= 0.5) a cooperative act
        (AGREE, CONSULT, COOPERATE, SUPPORT, CONCEDE: "does not rule out talks"
        -> CONSULT);
      - a negated AGREE or SUPPORT ("will not accept the terms") is REJECT;
      - any other negated event did not happen: OTHER.
      For these the score is the probability of the un-negated event's type
      (times the complement's for a cooperative complement).
"""
from __future__ import annotations

import threading
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from pipeline.nlp.events.codebook import ALL_TYPES, PLOVER_TYPES, TYPES

__all__ = ["EventTyper", "PLOVER_TYPES", "TYPES", "CALIBRATION", "CONTEXT_LAYER", "event_text",
           "context_vector"]

#: The tagger encoder layer whose word vectors type events (see Method).
CONTEXT_LAYER = 2
#: The private event-row keys that carry the in-context vectors (see ``decode``).
VECTOR_KEY, COMPLEMENT_KEY = "_type_vec", "_type_vec_complement"
#: The cooperative acts a negated REJECT's complement may be (see Negation).
COOPERATIVE = {"AGREE", "CONSULT", "COOPERATE", "SUPPORT", "CONCEDE"}

#: Fitted on tests/data/gold/event_types_dev.jsonl by
#: ``python -m bench.event_types_eval --fit`` (see docs/ACTORS.md).
CALIBRATION = {  # fitted for tagger 0.4.0 at layer 2 (bench.event_types_eval --fit --layer 2)
    "w_proto": 0.2, "w_knn": 0.3, "w_lemma": 0.5,  # weights of the three similarities
    "other_floor": 0.0,   # OTHER's score is at least this (0: its prototype alone competes)
    "temperature": 0.01,  # softmax temperature of event_type_score (dev NLL minimum)
}


def event_text(ev: dict, with_negation: bool = False) -> str:
    """The words of an event that say what happened: who, action, target, object."""
    parts = [ev.get("who") or ""]
    if with_negation and ev.get("negated"):
        parts.append("not")
    parts += [ev.get("action") or ev.get("action_lemma") or "", ev.get("target") or "",
              ev.get("object") or ""]
    return " ".join(p.strip() for p in parts if p and p.strip())


def context_vector(word_vectors: np.ndarray, words: Sequence[int]) -> Optional[np.ndarray]:
    """The unit-length mean of the vectors of ``words`` (indices into a
    sentence's ``word_vectors``), float16; None when no word is given. Words
    outside the tagger's window have zero vectors and do not count."""
    rows = word_vectors[sorted({w for w in words if 0 <= w < len(word_vectors)})]
    rows = rows[np.abs(rows).sum(1) > 0] if len(rows) else rows
    if not len(rows):
        return None
    v = rows.astype(np.float32).mean(0)
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float16)


class EventTyper:
    """Types event rows; thread-safe to share (one small encoder, no grad)."""

    def __init__(self, model_dir: Optional[str] = None, calibration: Optional[dict] = None,
                 device: str = "cpu", batch_size: int = 64, max_length: int = 128,
                 max_cache: int = 20000, layer: int = CONTEXT_LAYER):
        """``model_dir``: the tagger's folder (default the packaged checkpoint),
        whose encoder's bottom ``layer`` layers embed the type descriptions,
        lemmas and any event without an in-context vector: the same layers the
        tagger hands its in-context vectors from, so all live in one space."""
        import torch

        from pipeline.tagger.model import EventTagger, resolve_backbone
        from pipeline.tagger.tokens import load_tokenizer

        if model_dir is None:
            from pipeline.tagger import CHECKPOINT_DIR

            model_dir = CHECKPOINT_DIR
        tagger = EventTagger.load(model_dir, device=device)
        encoder = tagger.encoder
        if not 1 <= layer <= encoder.config.num_hidden_layers:
            raise ValueError(f"layer {layer} is not a layer of the tagger's encoder")
        encoder.encoder.layer = encoder.encoder.layer[:layer]
        encoder.config.num_hidden_layers = layer
        self.model = encoder.eval()  # the heads and the top layers are dropped
        self.layer = layer
        self.tokenizer = load_tokenizer(resolve_backbone(tagger.config.backbone))
        self.max_subwords = tagger.config.max_subwords
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.max_length = max_length
        self.calibration = dict(CALIBRATION, **(calibration or {}))
        self._lock = threading.Lock()
        self._cache: Dict[str, np.ndarray] = {}  # text -> embedding (lemmas repeat a lot)
        self.max_cache = max_cache
        self._build_prototypes()

    # ---- embeddings
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised mean-pooled embeddings of texts on their own, one row per text."""
        import torch

        # One lock around the cache's look-ups, fills and clears, not only the
        # model: worker threads share this typer, and another thread's clear
        # between this one's fill and its look-up lost vectors (KeyError).
        with self._lock:
            # sorted by length, so that a batch holds texts of similar length (padding)
            todo = sorted((t for t in dict.fromkeys(texts) if t not in self._cache), key=len)
            for k in range(0, len(todo), self.batch_size):
                batch = todo[k:k + self.batch_size]
                with torch.inference_mode():
                    enc = self.tokenizer(batch, padding=True, truncation=True,
                                         max_length=self.max_length, return_tensors="pt")
                    enc = {n: v.to(self.device) for n, v in enc.items()}
                    out = self.model(**enc).last_hidden_state
                    mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
                    pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                for t, v in zip(batch, pooled.cpu().numpy().astype(np.float32)):
                    self._cache[t] = v
            dim = self.model.config.hidden_size
            out = (np.stack([self._cache[t] for t in texts]) if texts
                   else np.zeros((0, dim), np.float32))
            if len(self._cache) > self.max_cache:  # bounded: a worker types millions of events
                self._cache.clear()
        return out

    def word_vectors(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Per sentence (a word list), every word's mean sub-word vector after
        the encoder's ``layer`` layers, float16: what the tagger returns as
        ``SentenceFrames.word_vectors`` with ``context_layer=layer``, for
        sentences the tagger did not read
        (``bench.event_vectors.attach_context_vectors``)."""
        import torch

        from pipeline.tagger.tokens import encode_words, word_means

        out: List[np.ndarray] = []
        for k in range(0, len(sentences), self.batch_size):
            batch = [list(s) for s in sentences[k:k + self.batch_size]]
            with self._lock, torch.inference_mode():
                feats = encode_words(self.tokenizer, batch, self.max_subwords)
                hidden = self.model(input_ids=feats["input_ids"].to(self.device),
                                    attention_mask=feats["attention_mask"].to(self.device)
                                    ).last_hidden_state
                vec = word_means(hidden.float(), feats["subword_word"].to(self.device),
                                 feats["word_index"].size(1)).to(torch.float16).cpu().numpy()
            out += [np.ascontiguousarray(vec[r, :len(s)]) for r, s in enumerate(batch)]
        return out

    @staticmethod
    def _unit(v: np.ndarray) -> np.ndarray:
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def _build_prototypes(self):
        self.proto, self.examples, self.example_type, self.lemma_proto = [], [], [], []
        for i, t in enumerate(ALL_TYPES):
            definition, examples, lemmas = TYPES[t]
            e = self.embed([definition] + examples)
            self.proto.append(self._unit(e.mean(0)))
            self.examples.append(e)
            self.example_type += [i] * len(e)
            self.lemma_proto.append(self._unit(self.embed(lemmas).mean(0)))
        self.proto = np.stack(self.proto)
        self.examples = np.concatenate(self.examples)
        self.example_type = np.array(self.example_type)
        self.lemma_proto = np.stack(self.lemma_proto)

    # ---- scoring
    def similarities(self, texts: Sequence[str], lemmas: Sequence[str],
                     vectors: Optional[Sequence[Optional[np.ndarray]]] = None) -> np.ndarray:
        """(n, 3, 17): prototype, nearest-example and lemma cosine per type.
        ``vectors``: the events' in-context vectors where they have one (the
        text is embedded on its own where not)."""
        n = len(texts)
        sims = np.zeros((n, 3, len(ALL_TYPES)), np.float32)
        if not n:
            return sims
        vectors = list(vectors) if vectors is not None else [None] * n
        missing = [i for i, v in enumerate(vectors) if v is None]
        te = np.zeros((n, self.proto.shape[1]), np.float32)
        if missing:
            te[missing] = self.embed([texts[i] for i in missing])
        have = [i for i, v in enumerate(vectors) if v is not None]
        if have:
            got = np.stack([np.asarray(vectors[i], np.float32) for i in have])
            te[have] = got / np.maximum(np.linalg.norm(got, axis=1, keepdims=True), 1e-9)
        le = self.embed([lm or "" for lm in lemmas])
        sims[:, 0] = te @ self.proto.T
        ex = te @ self.examples.T
        for j in range(len(ALL_TYPES)):
            sims[:, 1, j] = ex[:, self.example_type == j].max(1)
        sims[:, 2] = le @ self.lemma_proto.T
        return sims

    @staticmethod
    def combine(sims: np.ndarray, cal: dict) -> np.ndarray:
        """(n, 17) calibrated scores: weighted similarities, OTHER floored."""
        s = (cal["w_proto"] * sims[:, 0] + cal["w_knn"] * sims[:, 1]
             + cal["w_lemma"] * sims[:, 2])
        s = s.copy()
        s[:, -1] = np.maximum(s[:, -1], cal["other_floor"])
        return s

    @staticmethod
    def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
        z = scores / max(temperature, 1e-6)
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)

    def base_types(self, events: Sequence[dict], with_predicate: bool = False,
                   vector_key: str = VECTOR_KEY):
        """(n, 17) probabilities for the *un-negated* events and the argmax; with
        ``with_predicate`` also the predicate's own type (lemma similarity alone)."""
        texts = [event_text(ev) for ev in events]
        lemmas = [ev.get("action_lemma") or ev.get("action") or "" for ev in events]
        sims = self.similarities(texts, lemmas, [ev.get(vector_key) for ev in events])
        s = self.combine(sims, self.calibration)
        p = self.softmax(s, self.calibration["temperature"])
        if with_predicate:
            return p, p.argmax(1), sims[:, 2].argmax(1)
        return p, p.argmax(1)

    def type_events(self, events: Sequence[dict]) -> List[Tuple[str, float]]:
        """(event_type, event_type_score) per event row, in order."""
        events = list(events)
        if not events:
            return []
        p, best, pred_type = self.base_types(events, with_predicate=True)
        # negation applies to the predicate: "not rule out X" is a negated REJECT
        # predicate whatever X is, so negated events are judged by the predicate's type
        for i, ev in enumerate(events):
            if ev.get("negated") and ALL_TYPES[pred_type[i]] in ("REJECT", "AGREE", "SUPPORT"):
                best[i] = pred_type[i]
        # complements of negated REJECT events, typed in one batch
        neg_rej = [i for i, ev in enumerate(events)
                   if ev.get("negated") and ALL_TYPES[best[i]] == "REJECT"]
        comp_type: Dict[int, Tuple[str, float]] = {}
        if neg_rej:
            comps = [{"who": events[i].get("who"),
                      "action": " ".join(x for x in (events[i].get("target"),
                                                      events[i].get("object")) if x) or "it",
                      "action_lemma": "", VECTOR_KEY: events[i].get(COMPLEMENT_KEY)}
                     for i in neg_rej]
            cp, cb = self.base_types(comps)
            for k, i in enumerate(neg_rej):
                comp_type[i] = (ALL_TYPES[cb[k]], float(cp[k, cb[k]]))
        out: List[Tuple[str, float]] = []
        for i, ev in enumerate(events):
            t, score = ALL_TYPES[best[i]], float(p[i, best[i]])
            if ev.get("negated"):
                if t == "REJECT":
                    ct, cs = comp_type[i]
                    # only a clearly cooperative act ("talks") escapes the threat reading
                    coop = ct in COOPERATIVE and cs >= 0.5
                    t = ct if coop else "THREATEN"
                    score = score * (cs if coop else 1.0)
                elif t in ("AGREE", "SUPPORT"):
                    t = "REJECT"
                elif t != "OTHER":
                    t = "OTHER"  # it did not happen; the score stays the base typing's
            out.append((t, round(score, 4)))
        return out
