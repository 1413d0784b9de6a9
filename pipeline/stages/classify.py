"""Classify stage: is each row a countable event, of which PLOVER type, and is it coded?

``ClassifyEvents`` runs the event head (``pipeline.nlp.events.head``: a small
network trained on the tagger's own pass, whose weights and settings live in
the tagger's model folder) through Beam's ``RunInference`` with
``EventHeadModelHandler``::

    docs = docs | ClassifyEvents(model_dir)
    # each event row gains is_event, event_score, event_type, event_type_score, coded

The rows arrive with their features (``_head_features``, from the tagger's
forward pass, see ``decode``), so classifying is two small matrix products per
batch; no encoder is loaded here. ``coded`` (``event_head.is_coded``) combines
the head's answer with the row's ``factuality`` and ``who``. A stage of its
own, after ``resolve``, because it classifies the events of ``max_batch_size``
articles at once and loads the head once per worker (RunInference's shared
handle). It removes the private feature key from the rows.

A batch whose classification raises is retried article by article; an article
whose events cannot be classified keeps them, unclassified (``event_type`` null,
``coded`` false), and gets a dead letter (stage ``classify``) saying why. (No ``with_exception_handling()``:
see ``infer`` for why a ``Flatten`` must not follow.)
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Dict, Iterable, Optional, Sequence

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from pipeline.nlp.events.head import FEATURES_KEY, is_coded
from pipeline.stages.infer import folder_on_worker, is_packaged_checkpoint, per_article
from pipeline.runtime.memory import configure_worker, release_free_memory
from pipeline.records import ArticleDoc

_LOG = logging.getLogger(__name__)

STAGE = "classify"
#: Decimals kept of the head's probabilities (see ``attach_classes``).
SCORE_DECIMALS = 4
#: Articles per RunInference batch (about 60 events each).
MAX_BATCH_ARTICLES = 16


class EventHeadModelHandler(ModelHandler[ArticleDoc, PredictionResult, Any]):
    """Loads the event head once per worker and classifies the events of a batch
    of articles in one go. ``inference`` per article: a list of
    ``(is_event, event_score, event_type, event_type_score, factuality)``, one per event,
    or the exception it raised."""

    def __init__(self, model_dir: Optional[str] = None, num_threads: Optional[int] = None,
                 min_batch_size: int = 1, max_batch_size: int = MAX_BATCH_ARTICLES):
        """``model_dir``: the tagger's folder (default the packaged checkpoint),
        which holds the head. ``num_threads``: torch threads."""
        super().__init__(min_batch_size=min_batch_size, max_batch_size=max_batch_size)
        from pipeline.tagger import CHECKPOINT_DIR

        self._model_dir = model_dir or CHECKPOINT_DIR
        # as for the tagger: the packaged checkpoint is found again on the worker
        self._packaged = is_packaged_checkpoint(self._model_dir)
        self._num_threads = num_threads

    def load_model(self):
        import torch

        from pipeline.nlp.events.head import EventHead

        configure_worker()  # flat memory over a long run (pipeline.runtime.memory)
        if self._num_threads:
            torch.set_num_threads(self._num_threads)
        return EventHead.load(folder_on_worker(self._model_dir, self._packaged))

    def run_inference(self, batch: Sequence[ArticleDoc], model,
                      inference_args: Optional[Dict[str, Any]] = None) -> Iterable[PredictionResult]:
        import numpy as np

        docs = list(batch)

        def classify(rows):
            missing = [r["event_id"] for r in rows if r.get(FEATURES_KEY) is None]
            if missing:
                raise ValueError(f"{len(missing)} event(s) without head features, e.g. {missing[0]}")
            return model.classify(np.stack([r[FEATURES_KEY] for r in rows])) if rows else []

        # one head call per article, never across articles: a matrix product's
        # rounding depends on how many rows it holds, and an article's scores must
        # not depend on which articles shared its batch
        per_doc = []
        for d in docs:
            per_doc += per_article([d], lambda x: x.events, classify)
        release_free_memory()  # as in infer: give malloc's free pages back
        return [PredictionResult(example=d, inference=t, model_id="event-head")
                for d, t in zip(docs, per_doc)]

    def get_metrics_namespace(self) -> str:
        return "newsevents_event_head"


def _without_features(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != FEATURES_KEY}


def attach_classes(result: PredictionResult) -> ArticleDoc:
    """The doc with is_event/event_score/event_type/event_type_score/coded on
    every event row, or with its events unclassified and a dead letter when the
    head raised; either way without the rows' private features."""
    doc, classes = result.example, result.inference
    if isinstance(classes, BaseException):
        doc = dataclasses.replace(doc, events=tuple(_without_features(r) for r in doc.events))
        return doc.failed(STAGE, f"internal_error: {type(classes).__name__}: {classes}")
    events = []
    for row, (is_event, p_event, etype, p_type, fact) in zip(doc.events, classes):
        row = _without_features(row)
        if fact is not None:  # the head's factuality, where it beat the rules (event_head.json)
            row["factuality"] = fact
        # probabilities to 4 decimals: the tagger batches sentences of several
        # articles into one forward pass, and the last float bits of its vectors
        # (so of these scores) vary with the batch's shape; re-runs must write
        # the same bytes whichever articles shared a batch
        row["is_event"], row["event_score"] = is_event, round(float(p_event), SCORE_DECIMALS)
        row["event_type"], row["event_type_score"] = etype, round(float(p_type), SCORE_DECIMALS)
        row["coded"] = is_coded(is_event, etype, row.get("factuality"), row.get("who"))
        events.append(row)
    return dataclasses.replace(doc, events=tuple(events))


class ClassifyEvents(beam.PTransform):
    """ArticleDocs -> ArticleDocs whose event rows say whether they are coded events."""

    def __init__(self, model_dir: Optional[str] = None,
                 handler: Optional[EventHeadModelHandler] = None, **handler_kwargs):
        super().__init__()
        self._handler = handler or EventHeadModelHandler(model_dir, **handler_kwargs)

    def expand(self, docs):
        # no with_exception_handling(): see ``infer`` (its Flatten would
        # materialise every doc); run_inference turns failures into results
        return (docs
                | "RunInference" >> RunInference(self._handler)
                | "AttachClasses" >> beam.Map(attach_classes))
