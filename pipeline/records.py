"""The elements that flow between the pipeline's transforms.

Plain frozen dataclasses: Beam pickles them between stages, and every stage can
be read and tested without Beam. Offsets are always character offsets into the
*article* text (never into a sentence), so that ``text[start:end]`` round-trips
all the way to the Parquet rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Tuple, Union

#: How many characters of the input a dead letter's ``excerpt`` keeps.
EXCERPT_CHARS = 200


def printable_excerpt(raw: Union[bytes, str], limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of ``raw``, non-printables repr-escaped
    (``\\n``, ``\\x00``, ...): the one definition of a dead letter's excerpt.

    Dead letters end up in logs and Parquet; an excerpt must never carry NULs,
    terminal escapes or newlines that would break those viewers. Bytes are
    decoded as UTF-8 from a prefix of up to 4 bytes a character, undecodable
    bytes backslash-escaped.
    """
    if isinstance(raw, bytes):
        raw = raw[: limit * 4].decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in raw[:limit])


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


def reason_code(reason: Optional[str]) -> str:
    """A dead letter's stable code: ``"too_large: 9 MB"`` -> ``"too_large"``; the
    first of an article row's ``"; "``-joined reasons; ``unknown`` for none."""
    return (reason or "unknown").split(";")[0].split(":")[0].strip() or "unknown"


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
    excerpt: str = ""  # a short excerpt of the raw input (``printable_excerpt``)


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
class Mention:
    """A named-entity mention (the tagger's NER head): ``text == article_text[start:end]``."""

    text: str
    start: int
    end: int
    label: str  # PER | ORG | LOC (GPE-like places are LOC in Universal NER)
    sentence_index: int = 0


@dataclass(frozen=True)
class Role:
    """One semantic-role argument of an event's frame (an element of ``roles``)."""

    label: str  # ARG0, ARG1, ARGM-TMP, ...
    function: Optional[str]  # PropBank function tag (PAG, PPT, GOL, ...)
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Actor:
    """One actor of a ``who``/``target`` span (an element of ``who_actors`` /
    ``target_actors``): one conjunct of a coordination, resolved."""

    text: str
    start: int
    end: int
    name: Optional[str] = None
    country: Optional[str] = None
    sector: Optional[str] = None


@dataclass(frozen=True)
class Event:
    """One event on its way from ``decode`` to the rows stage.

    ``decode`` creates it; ``resolve`` and ``classify`` fill their fields with
    ``dataclasses.replace``; the rows stage turns it into an ``events`` row
    (``schemas.events``: the columns and what they mean). The last three fields
    are working state for later stages and are never written.
    """

    event_id: str
    article_id: str
    sentence_index: int
    sentence: str
    action: str
    action_lemma: str
    action_start: int
    action_end: int
    negated: bool
    modality: Optional[str]
    factuality: str
    confidence: float
    model: str
    who: Optional[str] = None
    who_start: Optional[int] = None
    who_end: Optional[int] = None
    target: Optional[str] = None
    target_start: Optional[int] = None
    target_end: Optional[int] = None
    object: Optional[str] = None
    object_start: Optional[int] = None
    object_end: Optional[int] = None
    location: Optional[str] = None
    location_start: Optional[int] = None
    location_end: Optional[int] = None
    # resolve: the place, geocoded
    location_name: Optional[str] = None
    location_country: Optional[str] = None
    location_lat: Optional[float] = None
    location_lon: Optional[float] = None
    roles: Tuple[Role, ...] = ()
    date_text: Optional[str] = None
    date: Optional[dt.date] = None
    date_precision: Optional[str] = None
    date_source: str = "none"
    # resolve: actors
    who_resolved: Optional[str] = None
    who_country: Optional[str] = None
    target_resolved: Optional[str] = None
    target_country: Optional[str] = None
    who_actors: Tuple[Actor, ...] = ()
    target_actors: Tuple[Actor, ...] = ()
    # classify: the event head (null when events are not classified)
    is_event: Optional[bool] = None
    event_score: Optional[float] = None
    event_type: Optional[str] = None
    event_type_score: Optional[float] = None
    coded: bool = False
    # cluster: one id for the coded rows, across articles, that tell one event
    event_cluster_id: Optional[str] = None
    # working state, never written: every ARGM-TMP span in order (resolve takes
    # the first that names a date), the tense dates resolve towards, and the
    # event head's input (``nlp.events.head.frame_features``) and the factuality
    # head's (the sentence's word vectors, the predicate's word indices: a
    # reference to the frames' array, not a copy), both dropped by classify
    date_candidates: Tuple[str, ...] = ()
    tense: str = "past"
    head_features: Any = field(default=None, compare=False, repr=False)
    head_context: Any = field(default=None, compare=False, repr=False)


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

    article: Article
    sentences: Tuple[Sentence, ...] = ()
    frames: Tuple[Any, ...] = ()  # tagger.predictor.SentenceFrames, one per sentence
    events: Tuple[Event, ...] = ()
    mentions: Tuple[Mention, ...] = ()  # article offsets
    dead: Tuple[DeadLetter, ...] = ()

    @property
    def article_id(self) -> str:
        return self.article.article_id

    @property
    def n_sentences(self) -> int:
        return len(self.sentences)

    def failed(self, stage: str, reason: str, excerpt: str = "") -> "ArticleDoc":
        """This doc with one more dead letter (of ``stage``), its ``excerpt``
        made printable and cut to ``EXCERPT_CHARS`` (``printable_excerpt``,
        idempotent on an excerpt already made so)."""
        letter = DeadLetter(source=self.article.source, stage=stage, reason=reason,
                            article_id=self.article.article_id,
                            excerpt=printable_excerpt(excerpt))
        return replace(self, dead=self.dead + (letter,))
