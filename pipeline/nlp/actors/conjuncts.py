"""Coordinated actors: "The US and Britain" -> "The US", "Britain".

``split_conjuncts(text, start, end, ...)`` cuts an actor span into the spans of
its conjuncts, or returns the whole span when it is no coordination of actors.
A coordination, for this purpose, is a list of noun phrases joined by commas
with a final "and"/"or"/"&" ("Qatar, Egypt and the US"), in the span's head
(before its first preposition other than "of": "Israel and Hamas in Gaza" ->
"Israel", "Hamas"). It is split only when every part looks like an actor on
its own -- a capitalised name, a gazetteer name (country, capital, IGO,
demonym) or a sector noun ("protesters and police") -- so "salt and pepper",
"the Ministry of Trade and Industry" (one name-entity mention across the
"and") or "the presidents of Russia and China" (an "of" before the
conjunction: the parts are not actors) stay whole. A comma with no "and" is an
appositive ("Mr. Kim, the North Korean leader"), never a list.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Optional, Tuple

from pipeline.nlp import gazetteer as gz
from pipeline.nlp.text import words as split_words

from .sectors import sector_of_text

_SEP = re.compile(r"\s*,\s*(?:and\s+|or\s+|nor\s+|&\s+)?|\s+(?:and|or|nor|&)\s+")
_LAST_SEP = re.compile(r"(?:^|\s)(?:and|or|nor|&)\s")
MAX_PART_WORDS = 6


def _head_end(text: str, start: int, end: int) -> int:
    """Offset where the span's head ends: its first preposition other than
    of/from (the gazetteer's cut words), quotes and parentheses ignored."""
    for m in re.finditer(r"\S+", text[start:end]):
        bare = m.group(0).strip(",;:\"“”()").lower()
        if m.start() and bare in gz._CUT_WORDS:
            return start + m.start()
    return end


def _looks_like_actor(part: str) -> bool:
    words = [w for w, _, _ in split_words(part) if w[:1].isalnum()]
    if not words or len(words) > MAX_PART_WORDS:
        return False
    if gz.find_codes(part) or sector_of_text(part):
        return True
    content = [w for w in words if w.lower() not in ("the", "a", "an", "some", "several")]
    return bool(content) and content[0][:1].isupper()


def split_conjuncts(text: str, start: int, end: int,
                    mentions: Iterable[Tuple[int, int]] = ()) -> List[Tuple[int, int]]:
    """Article offsets of the conjuncts of the actor span ``text[start:end]``;
    ``[(start, end)]`` when it is no coordination of actors. ``mentions``:
    (start, end) of named-entity mentions; no cut falls inside one."""
    head_end = _head_end(text, start, end)
    head = text[start:head_end]
    if not _LAST_SEP.search(head):
        return [(start, end)]
    inside = [(s, e) for s, e in mentions if s < head_end and e > start]
    cuts: List[Tuple[int, int]] = []
    for m in _SEP.finditer(head):
        a, b = start + m.start(), start + m.end()
        if a == b or any(s < a < e or s < b - 1 < e for s, e in inside):
            continue
        cuts.append((a, b))
    if not cuts or not any(re.search(r"(?:and|or|nor|&)\s*$", text[a:b]) for a, b in cuts):
        return [(start, end)]
    parts, pos = [], start
    for a, b in cuts:
        parts.append((pos, a))
        pos = b
    parts.append((pos, head_end))
    parts = [_trim(text, s, e) for s, e in parts]
    if any(p is None for p in parts):
        return [(start, end)]
    if re.search(r"\bof\b", text[parts[0][0]:parts[0][1]], re.I):
        return [(start, end)]  # "the presidents of Russia and China": one group
    if not all(_looks_like_actor(text[s:e]) for s, e in parts):  # type: ignore[misc]
        return [(start, end)]
    return parts  # type: ignore[return-value]


def _trim(text: str, s: int, e: int) -> Optional[Tuple[int, int]]:
    while s < e and text[s] in " \t\n\"“”'(":
        s += 1
    lead = re.match(r"(?:neither|either|both)\s+", text[s:e], re.I)
    if lead:  # "neither the US nor ...": the correlative is no part of the actor
        s += lead.end()
    while e > s and text[e - 1] in " \t\n\"“”'),.;:":
        e -= 1
    return (s, e) if e > s else None
