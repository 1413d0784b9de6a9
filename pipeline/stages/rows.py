"""ArticleDocs -> the rows of the three tables: events, articles, dead_letters.

One job: the last step before ``write``, and the only place where an ``Event``
becomes a dict (``event_row``: the ``schemas.events`` columns). Every article becomes exactly one
``articles`` row (``ok``, or ``dead_letter`` when any stage left a dead letter
on it), its events become ``events`` rows, and its dead letters ``dead_letters``
rows; an input that never became an article (the read stage's dead letters)
gets its ``articles`` row here too. So input articles = ok + dead-lettered,
which ``accounting`` checks after the run.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, List, Optional

import apache_beam as beam

from schemas import EVENTS as EVENTS_SCHEMA
from pipeline.records import Article, ArticleDoc, DeadLetter, Event

EVENTS = "events"
ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"


#: The events table's columns: an ``Event``'s fields of those names.
EVENT_COLUMNS = tuple(EVENTS_SCHEMA.names)


def event_row(event: Event) -> Dict:
    """An ``Event`` as an ``events`` row: the schema's columns, in its order."""
    row = {name: getattr(event, name) for name in EVENT_COLUMNS}
    row["roles"] = [dataclasses.asdict(r) for r in event.roles]
    row["who_actors"] = [dataclasses.asdict(a) for a in event.who_actors]
    row["target_actors"] = [dataclasses.asdict(a) for a in event.target_actors]
    return row


def article_row(article: Article, n_sentences: int, n_events: int,
                dead: List[DeadLetter]) -> Dict:
    return {
        "article_id": article.article_id,
        "source": article.source,
        "published": article.published,
        "title": article.title,
        "url": article.url,
        "status": "dead_letter" if dead else "ok",
        "n_sentences": n_sentences,
        "n_events": n_events,
        "error": "; ".join(sorted({d.reason for d in dead})) or None,
        "content_hash": article.content_hash or None,
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


def doc_rows(doc: ArticleDoc) -> Iterable:
    """Tagged rows of one doc: its events, its dead letters, then its article row."""
    for event in doc.events:
        yield beam.pvalue.TaggedOutput(EVENTS, event_row(event))
    for d in doc.dead:
        yield beam.pvalue.TaggedOutput(DEAD_LETTERS, dead_letter_row(d))
    yield article_row(doc.article, doc.n_sentences, len(doc.events), list(doc.dead))


class _DocRowsFn(beam.DoFn):
    """``doc_rows``, and with a progress folder the running counts of articles
    and events for the driver's progress line (``pipeline.ops.progress``)."""

    def __init__(self, progress_folder: Optional[str] = None, every_s: float = 5.0):
        self._folder, self._every = progress_folder, every_s
        self._report = None

    def setup(self):
        if self._folder:
            from pipeline.ops.progress import ProgressReport

            self._report = ProgressReport(self._folder, self._every)

    def process(self, doc: ArticleDoc):
        yield from doc_rows(doc)
        if self._report is not None:
            self._report.add(1, len(doc.events))

    def finish_bundle(self):
        if self._report is not None and self._report.articles:
            self._report.write()


class TableRows(beam.PTransform):
    """``{"docs": ArticleDocs, "read_dead_letters": DeadLetters}`` (or the docs
    alone) -> ``{"events", "articles", "dead_letters"}`` PCollections of row dicts.
    ``progress_folder``: where the workers report their counts (``run`` passes
    the staging folder's ``_progress``), every ``progress_every`` seconds."""

    def __init__(self, progress_folder: Optional[str] = None, progress_every: float = 5.0):
        super().__init__()
        self._progress = (progress_folder, progress_every)

    def expand(self, inputs):
        if not isinstance(inputs, dict):
            inputs = {"docs": inputs}
        docs = inputs["docs"]
        out = docs | "DocRows" >> beam.ParDo(_DocRowsFn(*self._progress)).with_outputs(
            EVENTS, DEAD_LETTERS, main=ARTICLES)
        read_dead = inputs.get("read_dead_letters")
        if read_dead is None:
            read_dead = docs.pipeline | "NoReadDeadLetters" >> beam.Create([])
        articles = ((out[ARTICLES], read_dead | "UnreadArticleRows" >> beam.Map(dead_article_row))
                    | "ArticleRows" >> beam.Flatten())
        dead = ((out[DEAD_LETTERS], read_dead | "ReadDeadLetterRows" >> beam.Map(dead_letter_row))
                | "DeadLetterRows" >> beam.Flatten())
        return {EVENTS: out[EVENTS], ARTICLES: articles, DEAD_LETTERS: dead}
