"""The word rules for article text: regex word splitters with character offsets.

Every splitter here returns ``(word, start, end)`` triples in text order, with
``text[start - base:end - base] == word`` (``base`` shifts the offsets, so a
caller that splits a slice of the article gets article offsets back). Plain
functions, no Beam, no models.

There are two variants, because their callers need different words:

* :func:`words` -- every word *and* punctuation mark. The actor modules read
  quotes, commas and the possessive around a mention, so nothing is dropped:
  the possessive "'s" and a sentence's final period are words of their own.
* :func:`lookup_words` -- only the words a place or organisation name can be
  made of, for matching n-grams against the gazetteer's tables: punctuation
  is skipped, the possessive is dropped, and "U.S." stays one word even in
  "U.S.-led".

Word rules that live elsewhere, on purpose:

* the segmenter's words (:mod:`pipeline.nlp.sentences`) are Penn Treebank
  tokens for the tagger, which was trained on that tokenization ("does" +
  "n't", "Mr." from a list of abbreviations, em dashes split off). They come
  from syntok, which also finds the sentence boundaries; they are not a regex
  split and must not change without retraining the tagger.
* dates' ``_TOKEN_RE`` (:mod:`pipeline.nlp.dates.expressions`) splits nothing:
  it is the whitelist of whole tokens that a normalised time expression may
  consist of before dateparser sees it.
"""
from __future__ import annotations

import re
from typing import List, Tuple

Word = Tuple[str, int, int]  # the word, its start and end offsets

# Both variants keep the final period of dotted initials: "U.S.", "U.N.", "p.m.".
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")
# The possessive clitic, straight or curly apostrophe.
POSSESSIVE = ("'s", "\u2019s")


# --------------------------------------------------------------------------- words

# A word starts with a letter or digit and ends with one or a period, and may
# hold . ' ’ - inside ("Kyiv-based", "O'Brien", "U.S.", "3.5"); a lone letter
# or digit; any other character but a space is a word by itself.
_WORD_RE = re.compile(r"[^\W_][\w.'\u2019\-]*[\w.]|[^\W_]|[^\w\s]")
# A capitalised word of at most four letters keeps its period: "Mr.", "Gen.",
# "Jan." (and so does "Iran." at the end of a sentence).
_SHORT_ABBREVIATION = re.compile(r"[A-Z][a-z]{0,3}\.")


def words(text: str, base: int = 0) -> List[Word]:
    """Words and punctuation marks of ``text``, with offsets shifted by ``base``.

    "Putin's" -> "Putin", "'s"; "said." -> "said", "."; "U.S." and "Mr." stay
    whole; "Kyiv-based" is one word; "“" and "," are words.
    """
    out: List[Word] = []
    for m in _WORD_RE.finditer(text):
        w, s, e = m.group(0), base + m.start(), base + m.end()
        if w.endswith(POSSESSIVE) and len(w) > 2:
            out.append((w[:-2], s, e - 2))
            out.append((w[-2:], e - 2, e))
        elif w.endswith(".") and len(w) > 1 and not (
                _INITIALS.fullmatch(w) or _SHORT_ABBREVIATION.fullmatch(w)):
            out.append((w[:-1], s, e - 1))
            out.append((".", e - 1, e))
        else:
            out.append((w, s, e))
    return out


# --------------------------------------------------------------------------- lookup words

# Differs from _WORD_RE on purpose: dotted initials are tried first, so
# "U.S.-led" gives "U.S." (a name) and "led"; a word may end in - ' ’ (cut off
# below, or a "Kyiv-" prefix); a word that starts with a digit holds no period
# or apostrophe ("3.5" -> "3", "5": no name needs them); punctuation is skipped.
_LOOKUP_WORD_RE = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W\d_][\w'\u2019.\-]*|\d+[\w\-]*")
# Cut off a name's end, not kept as a word: "Russia's", "Ukrainians'".
_LOOKUP_TAILS = POSSESSIVE + ("'", "\u2019")
# Titles that keep their period; any other final period is a sentence's end.
# A short closed list, not _SHORT_ABBREVIATION: "Iran." must look up as "Iran".
_TITLES = frozenset({"Mr.", "Mrs.", "Ms.", "Dr.", "Gen.", "Sen.", "Rep."})


def lookup_words(text: str, base: int = 0) -> List[Word]:
    """The words of ``text`` that a gazetteer name can be made of.

    "Russia's" -> "Russia"; "Ukrainians'" -> "Ukrainians"; "Iran." -> "Iran";
    "U.S.-led" -> "U.S.", "led"; "Kyiv-based" stays one word; no punctuation.
    """
    out: List[Word] = []
    for m in _LOOKUP_WORD_RE.finditer(text):
        w, s, e = m.group(0), base + m.start(), base + m.end()
        for tail in _LOOKUP_TAILS:
            if w.endswith(tail) and len(w) > len(tail) + 1:
                w, e = w[:-len(tail)], e - len(tail)
                break
        if w.endswith(".") and not _INITIALS.fullmatch(w) and w not in _TITLES:
            w, e = w[:-1], e - 1
        if w:
            out.append((w, s, e))
    return out
