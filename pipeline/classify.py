"""Classify stage: every event's PLOVER type, by ``RunInference`` over batches of articles.

``ClassifyEvents`` runs ``event_types.EventTyper`` (embedding similarity to
type descriptions, see that module for the method) through Beam's
``RunInference`` with ``EventTypeModelHandler``::

    docs = docs | ClassifyEvents(model_dir)   # each event row gains event_type, event_type_score

The events arrive with their in-context vectors (``_type_vec``, from the
tagger's own forward pass, see ``decode``), so typing is a few matrix products
per batch; the typer's small encoder (the tagger's bottom layers) only embeds
the lemmas it has not seen yet and any event without a vector. A stage of its
own, after ``resolve``, because it types the events of ``max_batch_size``
articles at once and loads that encoder once per worker (RunInference's shared
handle). It removes the private vector keys from the rows.

A batch whose typing raises is retried article by article; an article whose
events cannot be typed keeps them, untyped (``event_type`` null), and gets a
dead letter (stage ``classify``) saying why. (No ``with_exception_handling()``:
see ``infer`` for why a ``Flatten`` must not follow.)
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Dict, Iterable, Optional, Sequence

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from pipeline.event_types import COMPLEMENT_KEY, VECTOR_KEY
from pipeline.infer import folder_on_worker, is_packaged_checkpoint, per_article
from pipeline.memory import configure_worker, release_free_memory
from pipeline.records import ArticleDoc

_LOG = logging.getLogger(__name__)

STAGE = "classify"
#: Articles per RunInference batch (about 60 events each).
MAX_BATCH_ARTICLES = 16


class EventTypeModelHandler(ModelHandler[ArticleDoc, PredictionResult, Any]):
    """Loads the event typer once per worker and types the events of a batch
    of articles in one go. ``inference`` per article: a list of
    ``(event_type, score)``, one per event, or the exception it raised."""

    def __init__(self, model_dir: Optional[str] = None, num_threads: Optional[int] = None,
                 min_batch_size: int = 1, max_batch_size: int = MAX_BATCH_ARTICLES):
        """``model_dir``: the tagger's folder (default the packaged checkpoint),
        whose bottom layers the typer embeds with. ``num_threads``: torch threads."""
        super().__init__(min_batch_size=min_batch_size, max_batch_size=max_batch_size)
        from pipeline.tagger import CHECKPOINT_DIR

        self._model_dir = model_dir or CHECKPOINT_DIR
        # as for the tagger: the packaged checkpoint is found again on the worker
        self._packaged = is_packaged_checkpoint(self._model_dir)
        self._num_threads = num_threads

    def load_model(self):
        import os

        import torch

        from pipeline.event_types import EventTyper

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        configure_worker()  # flat memory over a long run (pipeline.memory)
        if self._num_threads:
            torch.set_num_threads(self._num_threads)
        return EventTyper(folder_on_worker(self._model_dir, self._packaged))

    def run_inference(self, batch: Sequence[ArticleDoc], model,
                      inference_args: Optional[Dict[str, Any]] = None) -> Iterable[PredictionResult]:
        docs = list(batch)
        per_doc = per_article(docs, lambda d: d.events, model.type_events)
        release_free_memory()  # as in infer: give malloc's free pages back
        return [PredictionResult(example=d, inference=t, model_id="event-typer")
                for d, t in zip(docs, per_doc)]

    def get_metrics_namespace(self) -> str:
        return "newsevents_event_typer"


def _without_vectors(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in (VECTOR_KEY, COMPLEMENT_KEY)}


def attach_types(result: PredictionResult) -> ArticleDoc:
    """The doc with ``event_type``/``event_type_score`` on every event row, or
    with its events untyped and a dead letter when typing raised; either way
    without the rows' private vectors."""
    doc, types = result.example, result.inference
    if isinstance(types, BaseException):
        doc = dataclasses.replace(doc, events=tuple(_without_vectors(r) for r in doc.events))
        return doc.failed(STAGE, f"internal_error: {type(types).__name__}: {types}")
    events = []
    for row, (etype, score) in zip(doc.events, types):
        row = _without_vectors(row)
        row["event_type"], row["event_type_score"] = etype, float(score)
        events.append(row)
    return dataclasses.replace(doc, events=tuple(events))


class ClassifyEvents(beam.PTransform):
    """ArticleDocs -> ArticleDocs whose event rows carry their PLOVER type."""

    def __init__(self, model_dir: Optional[str] = None,
                 handler: Optional[EventTypeModelHandler] = None, **handler_kwargs):
        super().__init__()
        self._handler = handler or EventTypeModelHandler(model_dir, **handler_kwargs)

    def expand(self, docs):
        # no with_exception_handling(): see ``infer`` (its Flatten would
        # materialise every doc); run_inference turns failures into results
        return (docs
                | "RunInference" >> RunInference(self._handler)
                | "AttachTypes" >> beam.Map(attach_types))
