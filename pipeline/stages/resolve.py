"""Per-article resolution: dates, places and actors.

One job: finish each article's events with what is known of the whole article
(its text, publication date, named-entity mentions):

* ``date``/``date_precision``/``date_source`` — the first ARGM-TMP span that names a
  calendar date, resolved against the publication date (``dates.resolve_date``),
  forward for an event told as coming ("will meet on Monday", "said they would
  meet on Monday": ``factuality`` future, set by ``decode``); an event whose time argument is
  absent or names no date gets the publication date (``date_source = published``,
  as GDELT and NGEC do), or null with ``none`` when the article has no date;
* ``location_name``/``location_country``/``location_lat``/``location_lon`` — the
  place the ``location`` span names, or else a locative phrase of the sentence
  outside who/target/object, geocoded (``gazetteer.places.locate``);
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
from typing import Optional, Sequence

import apache_beam as beam

from pipeline.nlp.actors import resolve_actors
from pipeline.nlp.dates import resolve_date
from pipeline.nlp.gazetteer.places import locate
from pipeline.records import ArticleDoc, Event, Mention

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


def resolve_event_place(event: Event, sentence_start: Optional[int],
                        people: Sequence[Mention] = ()) -> Event:
    """The event with its place columns filled (all null when it names none).

    ``sentence_start`` is the article offset of the event's sentence, to turn
    the who/target/object offsets into sentence offsets; when it is unknown
    the first occurrence of each span's text in the sentence stands in.
    ``people``: the sentence's PER mentions, whose names are never places."""
    sentence = event.sentence or ""

    def local(text: Optional[str], start: Optional[int], end: Optional[int]):
        if sentence_start is not None and start is not None and end is not None:
            return start - sentence_start, end - sentence_start
        at = sentence.find(text) if text else -1
        return (at, at + len(text)) if at >= 0 else None

    predicate = local(event.action, event.action_start, event.action_end) or (0, 0)
    spans = [(event.who, event.who_start, event.who_end),
             (event.target, event.target_start, event.target_end),
             (event.object, event.object_start, event.object_end),
             *((m.text, m.start, m.end) for m in people)]
    exclude = [x for x in (local(*span) for span in spans) if x]
    at = local(event.location, event.location_start, event.location_end)
    place = locate(event.location, sentence, predicate, exclude, at[0] if at else 0)
    if place is None:
        return replace(event, location_name=None, location_country=None,
                       location_lat=None, location_lon=None)
    return replace(event, location_name=place.name, location_country=place.country,
                   location_lat=place.lat, location_lon=place.lon)


def _sentence_start(doc: ArticleDoc, starts: dict, event: Event) -> Optional[int]:
    """The article offset of the event's sentence: its ``Sentence``'s (``starts``:
    index -> (start, text)), else where its text first occurs in the article."""
    known = starts.get(event.sentence_index)
    if known and known[1] == event.sentence:
        return known[0]
    at = doc.article.text.find(event.sentence) if event.sentence else -1
    return at if at >= 0 else None


STAGE = "resolve"


def resolve_article(doc: ArticleDoc) -> ArticleDoc:
    """The doc with its events finished: dates, places, then actors (pronouns,
    titles and short names -> the fullest name in the article, and country
    codes), in text order. All of the article's events or, when resolving raises, none
    (and a dead letter)."""
    try:
        events = sorted(doc.events, key=lambda e: (e.sentence_index, e.action_start))
        events = [resolve_event_date(e, doc.article.published) for e in events]
        starts = {s.sentence_index: (s.start, s.text) for s in doc.sentences}
        mentions = sorted(doc.mentions, key=lambda m: (m.start, m.end))
        people: dict = {}
        for m in mentions:
            if m.label == "PER":
                people.setdefault(m.sentence_index, []).append(m)
        events = [resolve_event_place(e, _sentence_start(doc, starts, e),
                                      people.get(e.sentence_index, ())) for e in events]
        events = resolve_actors(doc.article.text, events, mentions)
    except Exception as e:  # noqa: BLE001 -- one bad article must not fail the run
        _LOG.exception("%s: resolve failed", doc.article_id)
        failed = doc.failed(STAGE, f"internal_error: {type(e).__name__}: {e}")
        return dataclasses.replace(failed, events=())
    return dataclasses.replace(doc, events=tuple(events))


class ResolveArticles(beam.PTransform):
    """ArticleDocs (with decoded events) -> ArticleDocs with dates, places and
    actors resolved. An exception while resolving one article drops its events and
    gives it an ``internal_error`` dead letter (stage ``resolve``)."""

    def expand(self, docs):
        return docs | "ResolveDatesAndActors" >> beam.Map(resolve_article)
