"""Per-article resolution: dates, actors and event types; and the article rows.

One job: bring each article's events together with what is known of the article
(its text, publication date, named-entity mentions, sentence count, dead letters)
and finish them:

* ``date``/``date_precision``/``date_source`` — the first ARGM-TMP span that names a
  calendar date, resolved against the publication date (``dates.resolve_date``),
  forward for future tense ("will meet on Monday"); an event whose time argument is
  absent or names no date gets the publication date (``date_source = published``,
  as GDELT and NGEC do), or null with ``none`` when the article has no date;
* ``who_resolved``/``target_resolved`` and their country codes (``actors``): "He",
  "Mr. Putin", "The Russian president" -> the fullest name of the same entity in
  the article; ``event_type`` and its score (``event_types``, PLOVER);
* one ``articles`` row per article with its status and counts.

Articles are the unit here (a ``CoGroupByKey`` on ``article_id``) because
everything a careful reader resolves — dates, actors — is resolved within one
article.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Dict, List, Optional, Tuple

import apache_beam as beam

from pipeline.actors import resolve_actors
from pipeline.dates import resolve_date
from pipeline.records import ArticleMeta, DeadLetter

_LOG = logging.getLogger(__name__)


def resolve_event_date(row: Dict, published: Optional[dt.date]) -> Dict:
    """Fill the date columns of one event row (and drop decode's private keys)."""
    row = dict(row)
    candidates = row.pop("_date_candidates", None) or ([row["date_text"]] if row.get("date_text") else [])
    tense = row.pop("_tense", None)
    for text in candidates:
        r = resolve_date(text, published, tense)
        if r.date is not None:
            row.update(date=r.date, date_precision=r.precision, date_source="text", date_text=text)
            return row
    if published is not None:
        row.update(date=published, date_precision="day", date_source="published")
    else:
        row.update(date=None, date_precision=None, date_source="none")
    return row


def article_row(meta: ArticleMeta, n_events: int, dead: List[DeadLetter]) -> Dict:
    return {
        "article_id": meta.article_id,
        "source": meta.source,
        "published": meta.published,
        "title": meta.title,
        "url": meta.url,
        "status": "dead_letter" if dead else "ok",
        "n_sentences": meta.n_sentences,
        "n_events": n_events,
        "error": "; ".join(sorted({d.reason for d in dead})) or None,
        "content_hash": meta.content_hash or None,
    }


def dead_article_row(d: DeadLetter) -> Dict:
    """An input that never became an article (read stage) still gets its row."""
    return {
        "article_id": d.article_id, "source": d.source, "published": None, "title": None,
        "url": None, "status": "dead_letter", "n_sentences": 0, "n_events": 0,
        "error": d.reason, "content_hash": None,
    }


def dead_letter_row(d: DeadLetter) -> Dict:
    return {"source": d.source, "article_id": d.article_id, "stage": d.stage,
            "reason": d.reason, "excerpt": d.excerpt}


STAGE = "resolve"
EVENTS = "events"
DEAD_LETTERS = "dead_letters"


def _resolve_article(article_id, grouped, typer=None) -> Tuple[List[Dict], Optional[Dict]]:
    """(event rows, article row) for one article's group; (.., None) when no meta.

    Dates first, then actors (pronouns, titles and short names -> the fullest name
    in the article, and country codes), then event types (``typer``)."""
    metas = list(grouped["meta"])
    if not metas:  # events or dead letters of an article we never saw: cannot happen
        return [], None
    meta = dataclasses.replace(metas[0], n_sentences=sum(grouped["n_sentences"]))
    events = sorted(grouped["events"], key=lambda r: (r["sentence_index"], r["action_start"]))
    rows = [resolve_event_date(row, meta.published) for row in events]
    mentions = sorted((m for ms in grouped.get("mentions", ()) for m in ms),
                      key=lambda m: (m.start, m.end))
    rows = resolve_actors(meta.text, rows, mentions)
    if typer is not None and rows:
        for row, (etype, score) in zip(rows, typer.type_events(rows)):
            row["event_type"], row["event_type_score"] = etype, float(score)
    return rows, article_row(meta, len(rows), list(grouped["dead"]))


def _failed_article_row(article_id, grouped, dead: DeadLetter) -> Dict:
    """The article's row when resolving it raised: dead_letter, no events.

    Built from as little as possible (the meta, else the id alone), so that the
    article is still counted: input articles = ok + dead-lettered."""
    try:
        meta = list(grouped["meta"])[0]
        return article_row(meta, 0, list(grouped["dead"]) + [dead])
    except Exception:  # noqa: BLE001
        return dead_article_row(dead)  # its source is the article id


class _ResolveArticle(beam.DoFn):
    def __init__(self, type_events: bool = True):
        self._type_events = type_events
        self._typer = None

    def setup(self):
        # the event typer holds a transformer: load it once per worker, not per article
        if self._type_events:
            from pipeline.event_types import EventTyper

            self._typer = EventTyper()

    def process(self, element):
        article_id, grouped = element
        try:  # all of the article's rows or none
            events, article = _resolve_article(article_id, grouped, self._typer)
        except Exception as e:  # noqa: BLE001 -- one bad article must not fail the run
            _LOG.exception("%s: resolve failed", article_id)
            dead = DeadLetter(source=str(article_id), stage=STAGE,
                              reason=f"internal_error: {type(e).__name__}: {e}",
                              article_id=article_id)
            yield beam.pvalue.TaggedOutput(DEAD_LETTERS, dead)
            yield _failed_article_row(article_id, grouped, dead)
            return
        for row in events:
            yield beam.pvalue.TaggedOutput(EVENTS, row)
        if article is not None:
            yield article


class ResolveArticles(beam.PTransform):
    """Join per article; outputs ``{"events": rows, "articles": rows,
    "dead_letters": DeadLetters}``. An exception while resolving one article
    drops its events and makes its row a dead letter (stage ``resolve``).

    Inputs (all keyed by ``article_id``): ``meta`` ArticleMeta, ``events`` event rows
    from ``decode``, ``mentions`` lists of NER mentions (optional), ``n_sentences``
    ints, ``dead`` DeadLetters of later stages. ``type_events=False`` skips the
    event typer (and its model)."""

    def __init__(self, type_events: bool = True):
        super().__init__()
        self._type_events = type_events

    def expand(self, inputs: Dict[str, beam.PCollection]):
        out = (inputs | "GroupByArticle" >> beam.CoGroupByKey()
               | "ResolveArticle" >> beam.ParDo(_ResolveArticle(self._type_events)).with_outputs(
                   EVENTS, DEAD_LETTERS, main="articles"))
        return {"events": out[EVENTS], "articles": out.articles,
                DEAD_LETTERS: out[DEAD_LETTERS]}
