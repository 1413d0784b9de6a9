"""Text -> ``Sentence``s of PTB-like words, with article offsets: ``segment_text``.

The language half of the segment stage (``pipeline.stages.segment``), no Beam.

Sentence splitting and most of the tokenization is done by syntok (offline,
maintained, offset-preserving). On top of it this module:

* splits the text on every line break first. News text puts one paragraph per
  line, and a sentence must never run across a paragraph boundary.
* makes words Penn Treebank-like, because the downstream tagger was trained on
  PTB/UD tokenization: clitics split off ("does" + "n't", "Putin" + "'s",
  "We" + "'re", curly apostrophes included), but abbreviations keep their
  period ("Mr.", "U.S."), hyphenated compounds stay one word ("Kyiv-based",
  "COVID-19"), names keep their inner apostrophe or capital ("O'Brien",
  "McDonald"), and em dashes are split off ("war—and" -> "war", "—", "and").
* never rewrites a word: ``text[word_starts[i]:word_ends[i]] == words[i]``
  always holds, so later stages can point back into the article.
* splits sentences longer than ``MAX_WORDS`` (120) words into chunks. The
  limit exists because the tagger's context window is limited; a chunk
  prefers to end at ``;`` ``:`` ``,`` or before a conjunction, in linear time.
* drops "sentences" without any alphanumeric character ("***", "—").

These words are the tagger's and are made only here. The regex word splitters
that other language modules run over article text are in :mod:`pipeline.nlp.text`.

This module must stay light: it never imports torch/transformers.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import List, Optional, Sequence, Tuple

from syntok import segmenter

from pipeline.records import Sentence

_LOG = logging.getLogger(__name__)

# Longest sentence handed to the tagger, in words (see module docstring).
MAX_WORDS = 120

# Every line break is a paragraph boundary (str.splitlines' set of breaks).
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")

# PTB clitics that stay split from their host ("'s", "'re", ...); any other
# apostrophe-led tail ("'Brien", "'Ivoire") is part of a name.
_CLITICS = frozenset({"s", "m", "d", "ll", "re", "ve"})
_APOSTROPHES = "'\u00b4\u02b9\u02bc\u2019\u2032"

# Tokens whose following period belongs to them, as in PTB ("Mr.", "Jan.").
# Single letters (initials) and dotted forms ("U.S", "p.m") are handled by
# rule. Only used when syntok did not end the sentence at that period.
_ABBREVIATIONS = frozenset("""
    Mr Mrs Ms Mx Dr Prof Sr Jr St Messrs Mmes Gen Col Lt Sgt Capt Cmdr Cdr Adm
    Maj Brig Gov Sen Rep Reps Rev Hon Pres Supt Insp Det Cpl Pvt Amb Atty
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    Inc Corp Ltd Co Cos Bros Plc Assn Dept Univ Mt Ft Ave Blvd Rd Hwy
    Vol Vols Fig Figs approx vs etc al cf ca
    """.split())
_NUMBER_ABBREVIATIONS = frozenset({"No", "Nos", "no", "nos"})
_DECADE = re.compile(r"^\d\ds?$")
_CLOSERS = frozenset("\"'»›”’)]}")
_MARKS = frozenset({"Mn", "Mc", "Me"})
_JOINERS = frozenset("\u200c\u200d")
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")

# Dashes split off as their own word (PTB "--"); hyphens inside words stay.
_DASHES = re.compile(r"\u2014|\u2015|-{2,}")

# Where a long sentence is best cut: lower rank is better.
_BREAK_AFTER = {";": 0, ":": 1, "\u2014": 1, "\u2013": 1, "--": 1, ",": 2}
_BREAK_BEFORE = frozenset(
    "and but or nor yet so while whereas because although though".split()
)
_CONJUNCTION_RANK = 3

# What syntok splits words on: Unicode whitespace and the zero-width space.
_SPACE = re.compile(r"[\s\u200b]")
_NON_SPACE = re.compile(r"[^\s\u200b]+")

Span = Tuple[int, int]  # [start, end) article offsets of one word


# --------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------


def _syntok_sentences(text: str, begin: int, end: int) -> List[List[Span]]:
    """syntok's sentences for ``text[begin:end]`` as lists of word spans."""
    line = text[begin:end]
    sentences: List[List[Span]] = []
    for paragraph in segmenter.analyze(line):
        for tokens in paragraph:
            spans: List[Span] = []
            for tok in tokens:
                value = tok.value
                if not value or value.isspace():
                    continue
                start = tok.offset
                if line[start : start + len(value)] != value:
                    # analyze() promises surface values; should it ever
                    # rewrite one, look for it instead of trusting offsets.
                    found = line.find(value, spans[-1][1] - begin if spans else 0)
                    if found < 0:
                        _LOG.warning("syntok token %r not found; dropped", value)
                        continue
                    start = found
                spans.append((begin + start, begin + start + len(value)))
            if spans:
                sentences.append(spans)
    return sentences


def _fill_gaps(text: str, sentences: List[List[Span]]) -> List[List[Span]]:
    """Re-attach characters syntok dropped between words.

    syntok turns an intra-word hyphen or underscore into "spacing" and so
    loses it ("Kyiv-based" -> "Kyiv", "based"). PTB keeps hyphenated compounds
    as one word, so a gap without whitespace glues its neighbours back
    together. Gaps are looked at across sentence boundaries too (the glued
    word stays in the earlier sentence).
    """
    flat = [(s, e, i) for i, spans in enumerate(sentences) for s, e in spans]
    out: List[Tuple[int, int, int]] = []
    for start, end, sent in flat:
        if out:
            p_start, p_end, p_sent = out[-1]
            gap = text[p_end:start]
            if gap and not _SPACE.search(gap):
                out[-1] = (p_start, end, p_sent)
                continue
            if gap.strip():  # not seen with syntok, but never lose text
                for m in _NON_SPACE.finditer(gap):
                    out.append((p_end + m.start(), p_end + m.end(), p_sent))
        out.append((start, end, sent))
    result: List[List[Span]] = [[] for _ in sentences]
    for start, end, sent in out:
        result[sent].append((start, end))
    return [spans for spans in result if spans]


def _is_wordlike(s: str) -> bool:
    return bool(s) and s[-1].isalnum()


def _ptb_fixes(text: str, spans: List[Span]) -> List[Span]:
    """Merge/split syntok tokens of one sentence into PTB-like words."""
    # 1. Split em dashes (and "--") off words: "war—and" -> war, —, and.
    split: List[Span] = []
    for start, end in spans:
        word = text[start:end]
        if end - start > 1 and _DASHES.search(word) and not _DASHES.fullmatch(word):
            pos = start
            for m in _DASHES.finditer(word):
                if m.start() + start > pos:
                    split.append((pos, start + m.start()))
                split.append((start + m.start(), start + m.end()))
                pos = start + m.end()
            if pos < end:
                split.append((pos, end))
        else:
            split.append((start, end))

    # 2. Merges that depend on the previous word.
    out: List[Span] = []
    for i, (start, end) in enumerate(split):
        word = text[start:end]
        if out and out[-1][1] == start:
            prev = text[out[-1][0] : out[-1][1]]
            following = text[slice(*split[i + 1])] if i + 1 < len(split) else None
            if _should_merge(prev, word, following):
                out[-1] = (out[-1][0], end)
                continue
        out.append((start, end))
    return out


def _should_merge(prev: str, word: str, following: Optional[str]) -> bool:
    """Whether two adjacent (no space between) tokens are one PTB word.

    ``following`` is the token after ``word`` in the sentence (None at its end).
    """
    # Combining marks / joiners that syntok cut off the end of a word.
    if unicodedata.category(word[0]) in _MARKS or word[0] in _JOINERS:
        return True
    if prev[-1] in _JOINERS:
        return True
    # "McDonald", "iPhone": syntok splits at lower->upper transitions.
    if prev[-1].islower() and word[0].isupper() and prev[-1].isalpha():
        return True
    # "O'Brien", "d'Ivoire": an apostrophe tail that is not a clitic.
    if (
        len(word) > 1
        and word[0] in _APOSTROPHES
        and _is_wordlike(prev)
        and word[1:].isalpha()
        and word[1:].lower() not in _CLITICS
        and not (prev[-1] in "nN" and word[1:].lower() == "t")
    ):
        return True
    # "'90s": a decade keeps its apostrophe.
    if len(prev) == 1 and prev in _APOSTROPHES and _DECADE.match(word):
        return True
    # "Mr." "U.S." "J.": keep an abbreviation's period, unless it is really
    # the full stop: syntok ended the sentence there, or a closing quote or
    # bracket follows ("He said no." / 'she said "No."').
    if word == "." and following is not None and following[0] not in _CLOSERS:
        if prev in _NUMBER_ABBREVIATIONS:  # "No. 10", but "No." is a word too
            return following[0].isdigit()
        return (
            prev in _ABBREVIATIONS
            or (len(prev) == 1 and prev.isalpha())
            or bool(_DOTTED.match(prev))
        )
    return False


# --------------------------------------------------------------------------
# Long sentences
# --------------------------------------------------------------------------


def _chunk(words: Sequence[str], max_words: int = MAX_WORDS) -> List[Tuple[int, int]]:
    """Cut ``words`` into ``[i, j)`` ranges of at most ``max_words``.

    Each cut is searched for only in the second half of its window, so every
    chunk but the last has at least ``max_words // 2`` words and the whole
    thing is linear in ``len(words)``.
    """
    n = len(words)
    ranges: List[Tuple[int, int]] = []
    i = 0
    while n - i > max_words:
        best: Optional[Tuple[int, int]] = None  # (rank, -cut)
        for cut in range(i + max_words, i + max_words // 2, -1):
            # Cut before words[cut]: after a comma-like word, or before a
            # conjunction.
            rank = _BREAK_AFTER.get(words[cut - 1])
            if words[cut].lower() in _BREAK_BEFORE:
                rank = (
                    _CONJUNCTION_RANK if rank is None else min(rank, _CONJUNCTION_RANK)
                )
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, cut)
                if rank == 0:
                    break
        cut = best[1] if best else i + max_words
        ranges.append((i, cut))
        i = cut
    if i < n:
        ranges.append((i, n))
    return ranges


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def segment_text(
    article_id: str, text: str, max_words: int = MAX_WORDS
) -> List[Sentence]:
    """Split ``text`` into ``Sentence``s whose offsets index into ``text``."""
    sentences: List[Sentence] = []
    pos = 0
    # Split on line breaks ourselves: syntok only breaks paragraphs at blank
    # lines, and would happily run one sentence over two news paragraphs.
    bounds = [(m.start(), m.end()) for m in _LINE_BREAKS.finditer(text)]
    lines = []
    for b_start, b_end in bounds + [(len(text), len(text))]:
        if text[pos:b_start].strip():
            lines.append((pos, b_start))
        pos = b_end
    for begin, end in lines:
        for spans in _fill_gaps(text, _syntok_sentences(text, begin, end)):
            spans = _ptb_fixes(text, spans)
            words = [text[s:e] for s, e in spans]
            for c_start, c_end in _chunk(words, max_words):
                chunk_words = words[c_start:c_end]
                if not any(ch.isalnum() for w in chunk_words for ch in w):
                    continue  # "***", a lone dash, ...
                chunk_spans = spans[c_start:c_end]
                s_start, s_end = chunk_spans[0][0], chunk_spans[-1][1]
                sentences.append(
                    Sentence(
                        article_id=article_id,
                        sentence_index=len(sentences),
                        start=s_start,
                        end=s_end,
                        text=text[s_start:s_end],
                        words=tuple(chunk_words),
                        word_starts=tuple(s for s, _ in chunk_spans),
                        word_ends=tuple(e for _, e in chunk_spans),
                    )
                )
    return sentences
