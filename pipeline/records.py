"""The elements that flow between the pipeline's transforms.

Plain frozen dataclasses: Beam pickles them between stages, and every stage can
be read and tested without Beam. Offsets are always character offsets into the
*article* text (never into a sentence), so that ``text[start:end]`` round-trips
all the way to the Parquet rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Tuple


@dataclass(frozen=True)
class Article:
    """One input article after reading and decoding."""

    article_id: str
    source: str  # where it came from: "path" or "path:line" for JSON Lines
    text: str
    published: Optional[dt.date] = None
    title: Optional[str] = None
    url: Optional[str] = None
    content_hash: str = ""  # sha256 of the raw bytes (or of the JSONL line)


@dataclass(frozen=True)
class DeadLetter:
    """An input (or part of one) that could not be processed, and why.

    ``reason`` starts with a stable code (``empty``, ``binary``, ``undecodable``,
    ``too_large``, ``bad_json``, ``missing_text``, ``unsupported_extension``, ...)
    followed by ``: `` and a human-readable detail.
    """

    source: str
    stage: str  # read | segment | infer | decode | resolve
    reason: str
    article_id: Optional[str] = None
    excerpt: str = ""  # a short, printable excerpt of the raw input


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article, split into words, with article offsets."""

    article_id: str
    sentence_index: int
    start: int  # offset of the sentence in the article text
    end: int
    text: str  # == article.text[start:end]
    words: Tuple[str, ...]
    word_starts: Tuple[int, ...]  # article offsets, one per word
    word_ends: Tuple[int, ...]


@dataclass(frozen=True)
class ArticleMeta:
    """What later stages need to know about an article besides its sentences."""

    article_id: str
    source: str
    published: Optional[dt.date]
    title: Optional[str]
    url: Optional[str] = None
    n_sentences: int = 0
    content_hash: str = ""
    text: str = ""  # the article text: actor resolution reads quotes and speakers in it
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ArticleDoc:
    """One article on its way through the stages; each stage adds its layer.

    The unit of work from ``segment`` to the tables, as spaCy's ``Doc`` is for
    its components: ``segment`` fills ``sentences``, ``infer`` ``frames`` (one
    ``SentenceFrames`` per sentence), ``decode`` ``events`` and ``mentions``,
    ``resolve`` and ``classify`` finish the events. A stage that fails on the
    article (or on one of its sentences) appends a ``DeadLetter`` to ``dead``
    and the article travels on, so that every article reaches the tables, with
    its events (if any) and its row, and nothing is dropped on the way.

    Keeping the whole article in one element is what lets the pipeline run
    without a shuffle between reading and writing: no stage has to gather an
    article's sentences again, so memory stays flat however large the corpus.
    """

    meta: ArticleMeta
    sentences: Tuple[Sentence, ...] = ()
    frames: Tuple[Any, ...] = ()  # tagger.predictor.SentenceFrames, one per sentence
    events: Tuple[dict, ...] = ()  # event rows (schemas.EVENTS columns)
    mentions: Tuple[Any, ...] = ()  # actors.Mention, article offsets
    dead: Tuple[DeadLetter, ...] = ()

    @property
    def article_id(self) -> str:
        return self.meta.article_id

    def failed(self, stage: str, reason: str, excerpt: str = "") -> "ArticleDoc":
        """This doc with one more dead letter (of ``stage``)."""
        letter = DeadLetter(source=self.meta.source, stage=stage, reason=reason,
                            article_id=self.meta.article_id, excerpt=excerpt[:200])
        return replace(self, dead=self.dead + (letter,))
