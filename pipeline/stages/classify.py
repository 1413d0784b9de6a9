"""Classify stage: is each event countable, of which PLOVER type, and is it coded?

``ClassifyEvents`` runs the event head (``pipeline.nlp.events.head``: a small
network trained on the tagger's own pass, whose weights and settings live in
the tagger's model folder) through Beam's ``RunInference`` with
``EventHeadModelHandler``::

    docs = docs | ClassifyEvents(model_dir)
    # each Event gains is_event, event_score, event_type, event_type_score, coded

The events arrive with their features (``head_features``, from the tagger's
forward pass, see ``decode``) and their sentence's word vectors
(``head_context``), so classifying is two small matrix products per batch, and,
where the model folder has a factuality head (``nlp.events.factuality_head``),
one attention layer per event whose answer may replace the rules' factuality;
no encoder is loaded here. ``coded`` (``event_head.is_coded``) combines
the head's answer with the event's ``factuality`` and ``who``. A stage of its
own, after ``resolve``, because it classifies the events of ``max_batch_size``
articles at once and loads the head once per worker (RunInference's shared
handle). It drops the features and contexts from the events.

A batch whose classification raises is retried article by article; an article
whose events cannot be classified keeps them, unclassified (``event_type`` null,
``coded`` false), and gets a dead letter (stage ``classify``) saying why. (No ``with_exception_handling()``:
see ``infer`` for why a ``Flatten`` must not follow.)
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import replace
from typing import Optional

import apache_beam as beam
from apache_beam.ml.inference.base import PredictionResult, RunInference

from pipeline.nlp.events.head import is_coded
from pipeline.records import ArticleDoc
from pipeline.runtime.handlers import EventHeadModelHandler

_LOG = logging.getLogger(__name__)

STAGE = "classify"
#: Decimals kept of the head's probabilities (see ``attach_classes``).
SCORE_DECIMALS = 4


def attach_classes(result: PredictionResult) -> ArticleDoc:
    """The doc with is_event/event_score/event_type/event_type_score/coded on
    every event, or with its events unclassified and a dead letter when the
    head raised; either way without the events' head features."""
    doc, classes = result.example, result.inference
    if isinstance(classes, BaseException):
        doc = dataclasses.replace(
            doc, events=tuple(replace(e, head_features=None, head_context=None)
                               for e in doc.events))
        return doc.failed(STAGE, f"internal_error: {type(classes).__name__}: {classes}")
    events = []
    for ev, (is_event, p_event, etype, p_type, fact) in zip(doc.events, classes):
        # the head's factuality, where it beat the rules (event_head.json)
        factuality = ev.factuality if fact is None else fact
        # probabilities to 4 decimals: the tagger batches sentences of several
        # articles into one forward pass, and the last float bits of its vectors
        # (so of these scores) vary with the batch's shape; re-runs must write
        # the same bytes whichever articles shared a batch
        events.append(replace(
            ev, head_features=None, head_context=None, factuality=factuality,
            is_event=is_event, event_score=round(float(p_event), SCORE_DECIMALS),
            event_type=etype, event_type_score=round(float(p_type), SCORE_DECIMALS),
            coded=is_coded(is_event, etype, factuality, ev.who)))
    return dataclasses.replace(doc, events=tuple(events))


class ClassifyEvents(beam.PTransform):
    """ArticleDocs -> ArticleDocs whose events say whether they are coded events."""

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
