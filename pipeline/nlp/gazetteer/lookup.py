"""Matching text against the gazetteer: actor strings -> country and IGO codes.

``country_code`` (whole string, else the leftmost match in the phrase's head),
``find_codes`` (every match, left to right, longest first), ``head_phrase``
(the phrase cut at its first preposition other than of/from) and
``country_name`` (a code's display name). The tables come from
:mod:`pipeline.nlp.gazetteer.tables`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from pipeline.nlp.gazetteer.tables import _fold, _key, _tables
from pipeline.nlp.text import lookup_words

# a phrase's head ends at its first preposition other than of/from
_CUT_WORDS = {
    "in", "at", "near", "inside", "outside", "within", "across", "throughout", "over",
    "on", "onto", "into", "to", "toward", "towards", "against", "with", "between",
    "among", "by", "for", "about", "after", "before", "during", "under", "via",
    "who", "which", "that", "whose", "where", "while", "when",
}
_DETERMINERS = {"the", "a", "an"}


@dataclass(frozen=True)
class Match:
    code: str          # ISO 3166-1 alpha-3 or an IGO code
    kind: str          # country | alias | capital | metonym | igo | demonym | us_state | regex
    start: int         # character offsets of the matched words in the input
    end: int
    surface: str


@functools.lru_cache(maxsize=65536)
def _lookup(surface: str) -> Optional[Tuple[str, str]]:
    """(code, kind) for a surface form that is a whole name, or None."""
    entries, _, _ = _tables()
    s = _fold(surface).strip()
    if s.lower().startswith("the "):
        s = s[4:]
    cands = entries.get(_key(s))
    if not cands:
        return None
    ok = []
    for rank, code, kind, mode in cands:
        if mode == "exact" and not (s.replace(".", "").replace("-", "").isupper()):
            continue
        if mode == "cap" and not s[:1].isupper():
            continue
        ok.append((rank, code, kind))
    if not ok:
        return None
    ok.sort(key=lambda t: t[0])
    best = [t for t in ok if t[0] == ok[0][0]]
    codes = {c for _, c, _ in best}
    if len(codes) != 1 or None in codes:
        return None
    return best[0][1], best[0][2]


@functools.lru_cache(maxsize=65536)
def _regex_lookup(word: str) -> Optional[str]:
    """country_converter's regexes on one capitalised word ("Russian", "Kinshasa")."""
    if not word[:1].isupper() or len(word) < 4:
        return None
    _, _, regexes = _tables()
    k = _key(word)
    hits = set()
    for code, rx, name_keys in regexes:
        if rx.fullmatch(k):
            hits.add(code)
        elif rx.search(k) and any(len(n) >= 4 and k[:4] == n[:4] and
                                  (k.startswith(n[:max(4, len(n) - 1)]))
                                  for n in name_keys):
            hits.add(code)
    return hits.pop() if len(hits) == 1 else None


# --------------------------------------------------------------------------- API

def find_codes(text: str, max_words: int = 6) -> List[Match]:
    """Every gazetteer match in ``text``, left to right, longest first at each word."""
    if not text:
        return []
    toks = lookup_words(text)  # no punctuation, possessives cut off, "U.S." whole
    out: List[Match] = []
    i = 0
    while i < len(toks):
        hit = None
        for n in range(min(max_words, len(toks) - i), 0, -1):
            s, e = toks[i][1], toks[i + n - 1][2]
            surface = text[s:e]
            # an n-gram must not cross a comma, quote or bracket
            if n > 1 and re.search(r"[,;:()\"“”]", surface):
                continue
            r = _lookup(surface)
            if r:
                hit = Match(r[0], r[1], s, e, surface)
                i += n
                break
        if hit is None:
            tok, s, e = toks[i]
            code = None
            kind = "regex"
            if "-" in tok:  # "Russian-backed", "Kyiv-based", "US-led"
                head = tok.split("-")[0]
                r = _lookup(head)
                if r:
                    code, kind = r
                    e = s + len(head)
                else:
                    code = _regex_lookup(head)
                    e = s + len(head) if code else e
            else:
                code = _regex_lookup(tok)
            if code:
                hit = Match(code, kind, s, e, text[s:e])
            i += 1
        if hit:
            out.append(hit)
    return out


def head_phrase(text: str) -> str:
    """The phrase up to its first preposition/relative word other than of/from.

    Always a prefix of ``text`` (callers use its length as an offset).
    """
    end = 0
    for k, m in enumerate(re.finditer(r"\S+", text)):
        w = m.group(0)
        bare = _fold(w).strip(",;:\"“”()").lower()
        if k and bare in _CUT_WORDS:
            break
        end = m.end()
        if w.endswith(","):
            end -= 1
            break
    return text[:end]


def country_code(text: Optional[str], head_only: bool = True) -> Optional[str]:
    """ISO 3166-1 alpha-3 (or IGO code) of the actor ``text`` names, else None.

    The whole string is looked up first ("Republic of Korea", "the Kremlin",
    "kyiv"); otherwise the leftmost match in the phrase's head wins
    ("the South Korean leadership" -> KOR, "NATO's expansion in Asia" -> NATO).
    ``head_only=False`` scans the whole string: for the name of an organisation
    ("Council on American-Islamic Relations" -> USA), which is not a phrase.
    """
    if not text or not text.strip():
        return None
    r = _lookup(text.strip().rstrip(".,;:"))
    if r:
        return r[0]
    matches = find_codes(head_phrase(text) if head_only else text)
    return matches[0].code if matches else None


def country_name(code: Optional[str]) -> Optional[str]:
    """A short display name for a code: 'RUS' -> 'Russia', 'NATO' -> 'NATO'."""
    if not code:
        return None
    _, names, _ = _tables()
    return names.get(code)
