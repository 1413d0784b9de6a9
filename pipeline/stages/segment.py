"""Segment stage: ``Article`` -> ``ArticleDoc`` with ``Sentence``s (article offsets).

``SegmentArticles`` splits each article into sentences and PTB-like words
(``pipeline.nlp.sentences``)::

    docs = articles | SegmentArticles()   # PCollection[ArticleDoc]
    docs_element.sentences                # tuple[Sentence, ...]

Articles that yield no sentence at all carry a ``no_sentences`` dead letter.
"""
from __future__ import annotations

import logging
from typing import Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.nlp.sentences import MAX_WORDS, segment_text
from pipeline.records import Article, ArticleDoc, printable_excerpt

_LOG = logging.getLogger(__name__)

STAGE = "segment"


def segment_article(article: Article, max_words: int = MAX_WORDS) -> ArticleDoc:
    """``Article`` -> ``ArticleDoc`` with its sentences; an article without any
    sentence (or one that makes the splitter fail) carries a dead letter."""
    try:
        sentences = segment_text(article.article_id, article.text, max_words)
    except Exception as e:  # pylint: disable=broad-except
        # One odd article must never take the pipeline down.
        _LOG.exception("%s: segmentation failed", article.article_id)
        return ArticleDoc(article).failed(
            STAGE, f"internal_error: {type(e).__name__}: {e}", printable_excerpt(article.text))
    if not sentences:
        return ArticleDoc(article).failed(
            STAGE, "no_sentences: no sentence with an alphanumeric word",
            printable_excerpt(article.text))
    return ArticleDoc(article, sentences=tuple(sentences))


class SegmentArticleFn(beam.DoFn):
    """Article -> ArticleDoc (with sentences, or with a dead letter)."""

    def __init__(self, max_words: int = MAX_WORDS):
        self._max_words = max_words
        self._sentences = Metrics.counter(self.__class__, "sentences")
        self._dead = Metrics.counter(self.__class__, "dead_letters")

    def process(self, article: Article) -> Iterator[ArticleDoc]:
        doc = segment_article(article, self._max_words)
        self._sentences.inc(len(doc.sentences))
        if doc.dead:
            self._dead.inc()
        yield doc


class SegmentArticles(beam.PTransform):
    """Articles -> ``PCollection[ArticleDoc]``, one per article, with its
    sentences; an article that yields none carries a ``no_sentences`` dead
    letter (stage ``segment``) and goes on to get its row."""

    def __init__(self, max_words: int = MAX_WORDS):
        super().__init__()
        self._max_words = max_words

    def expand(self, articles):
        return articles | "Segment" >> beam.ParDo(SegmentArticleFn(self._max_words))
