"""Per-article resolution: dates against the publication date, and the article rows.

One job: bring each article's events together with what is known of the article
(its publication date, its sentence count, any dead letters) and finish them:

* ``date``/``date_precision``/``date_source`` — the first ARGM-TMP span that names a
  calendar date, resolved against the publication date (``dates.resolve_date``),
  forward for future tense ("will meet on Monday"); an event whose time argument is
  absent or names no date gets the publication date (``date_source = published``,
  as GDELT and NGEC do), or null with ``none`` when the article has no date;
* one ``articles`` row per article with its status and counts.

Articles are the unit here (a ``CoGroupByKey`` on ``article_id``) because
everything a careful reader resolves — dates now, actors later — is resolved
within one article.
"""
from __future__ import annotations

import datetime as dt
from typing import Dict, Iterable, List, Optional

import apache_beam as beam

from pipeline.dates import resolve_date
from pipeline.records import ArticleMeta, DeadLetter


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


class _ResolveArticle(beam.DoFn):
    EVENTS = "events"

    def process(self, element):
        article_id, grouped = element
        metas = list(grouped["meta"])
        if not metas:  # events or dead letters of an article we never saw: cannot happen
            return
        meta = metas[0]
        n_sentences = sum(grouped["n_sentences"])
        meta = ArticleMeta(meta.article_id, meta.source, meta.published, meta.title, meta.url,
                           n_sentences, meta.content_hash)
        events = sorted(grouped["events"], key=lambda r: (r["sentence_index"], r["action_start"]))
        for row in events:
            yield beam.pvalue.TaggedOutput(self.EVENTS, resolve_event_date(row, meta.published))
        yield article_row(meta, len(events), list(grouped["dead"]))


class ResolveArticles(beam.PTransform):
    """Join per article; outputs ``{"events": rows, "articles": rows}``.

    Inputs (all keyed by ``article_id``): ``meta`` ArticleMeta, ``events`` event rows
    from ``decode``, ``n_sentences`` ints, ``dead`` DeadLetters of later stages."""

    def expand(self, inputs: Dict[str, beam.PCollection]):
        out = (inputs | "GroupByArticle" >> beam.CoGroupByKey()
               | "ResolveArticle" >> beam.ParDo(_ResolveArticle()).with_outputs(
                   _ResolveArticle.EVENTS, main="articles"))
        return {"events": out[_ResolveArticle.EVENTS], "articles": out.articles}
