"""Decode stage: ArticleDocs with frames -> ArticleDocs with ``Event``s and mentions.

``decode_article`` runs ``pipeline.nlp.events.frames.decode_sentence`` on every
sentence of an article and collects its named-entity mentions
(``pipeline.nlp.actors.mentions_from_frames``) for ``resolve``.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, List

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.nlp.actors import mentions_from_frames
from pipeline.nlp.events.frames import decode_sentence
from pipeline.records import ArticleDoc, Event

_LOG = logging.getLogger(__name__)

STAGE = "decode"


def decode_article(doc: ArticleDoc, model_name: str,
                   decode: Callable = decode_sentence) -> ArticleDoc:
    """The doc with its events and named-entity mentions, sentence by sentence.

    A sentence whose decoding raises gives the doc an ``internal_error`` dead
    letter and no events (all of a sentence's events or none); the other sentences'
    events are kept."""
    events: List[Event] = []
    mentions: list = []
    doc_out = doc
    for sent, frames in zip(doc.sentences, doc.frames):
        try:
            found_events = list(decode(sent, frames, model_name))
            # named-entity mentions (NER head) go to ``resolve`` for actor resolution
            found = mentions_from_frames(sent, frames)
        except Exception as e:  # noqa: BLE001 -- one bad sentence must not fail the run
            _LOG.exception("%s/%s: decode failed", sent.article_id, sent.sentence_index)
            doc_out = doc_out.failed(STAGE, f"internal_error: {type(e).__name__}: {e}", sent.text)
            continue
        events += found_events
        mentions += found
    return dataclasses.replace(doc_out, events=tuple(events), mentions=tuple(mentions))


class _DecodeFn(beam.DoFn):
    def __init__(self, model_name: str, decode: Callable = decode_sentence):
        self._model_name = model_name
        self._decode = decode
        self._dead = Metrics.counter(self.__class__, "dead_letters")

    def process(self, doc: ArticleDoc):
        out = decode_article(doc, self._model_name, self._decode)
        if len(out.dead) > len(doc.dead):
            self._dead.inc(len(out.dead) - len(doc.dead))
        yield out


class DecodeEvents(beam.PTransform):
    """ArticleDocs (with frames) -> ArticleDocs with ``events`` (without
    resolved dates, actors or types) and ``mentions``, for ``resolve``. An
    exception while decoding one sentence becomes an ``internal_error`` dead
    letter (stage ``decode``) of its article.

    ``decode`` replaces ``decode_sentence`` (same signature), e.g. in tests."""

    def __init__(self, model_name: str, decode: Callable = decode_sentence):
        super().__init__()
        self.model_name = model_name
        self.decode = decode

    def expand(self, docs):
        return docs | "FramesToEvents" >> beam.ParDo(_DecodeFn(self.model_name, self.decode))
