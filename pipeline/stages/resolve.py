"""Per-article resolution: dates and actors.

One job: finish each article's events with what is known of the whole article
(its text, publication date, named-entity mentions):

* ``date``/``date_precision``/``date_source`` — the first ARGM-TMP span that names a
  calendar date, resolved against the publication date (``dates.resolve_date``),
  forward for future tense ("will meet on Monday"); an event whose time argument is
  absent or names no date gets the publication date (``date_source = published``,
  as GDELT and NGEC do), or null with ``none`` when the article has no date;
* ``who_resolved``/``target_resolved`` and their country codes (``actors``): "He",
  "Mr. Putin", "The Russian president" -> the fullest name of the same entity in
  the article.

Articles are the unit here (the ``ArticleDoc``) because everything a careful
reader resolves — dates, actors — is resolved within one article. Event types
come next, in ``classify``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import replace
from typing import Optional

import apache_beam as beam

from pipeline.nlp.actors import resolve_actors
from pipeline.nlp.dates import resolve_date
from pipeline.records import ArticleDoc, Event

_LOG = logging.getLogger(__name__)


def resolve_event_date(event: Event, published: Optional[dt.date]) -> Event:
    """The event with its date columns filled."""
    candidates = event.date_candidates or ((event.date_text,) if event.date_text else ())
    for text in candidates:
        r = resolve_date(text, published, event.tense)
        if r.date is not None:
            return replace(event, date=r.date, date_precision=r.precision, date_source="text",
                           date_text=text)
    if published is not None:
        return replace(event, date=published, date_precision="day", date_source="published")
    return replace(event, date=None, date_precision=None, date_source="none")


STAGE = "resolve"


def resolve_article(doc: ArticleDoc) -> ArticleDoc:
    """The doc with its events finished: dates, then actors (pronouns, titles
    and short names -> the fullest name in the article, and country codes),
    in text order. All of the article's events or, when resolving raises, none
    (and a dead letter)."""
    try:
        events = sorted(doc.events, key=lambda e: (e.sentence_index, e.action_start))
        events = [resolve_event_date(e, doc.article.published) for e in events]
        mentions = sorted(doc.mentions, key=lambda m: (m.start, m.end))
        events = resolve_actors(doc.article.text, events, mentions)
    except Exception as e:  # noqa: BLE001 -- one bad article must not fail the run
        _LOG.exception("%s: resolve failed", doc.article_id)
        failed = doc.failed(STAGE, f"internal_error: {type(e).__name__}: {e}")
        return dataclasses.replace(failed, events=())
    return dataclasses.replace(doc, events=tuple(events))


class ResolveArticles(beam.PTransform):
    """ArticleDocs (with decoded events) -> ArticleDocs with dates and actors
    resolved. An exception while resolving one article drops its events and
    gives it an ``internal_error`` dead letter (stage ``resolve``)."""

    def expand(self, docs):
        return docs | "ResolveDatesAndActors" >> beam.Map(resolve_article)
