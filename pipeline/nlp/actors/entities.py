"""Named-entity mentions (from the tagger's NER head) and the entities they group into."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Set

from pipeline.nlp import gazetteer as gz
from pipeline.records import Mention

from .lexicon import _name_tokens, _strip_the


def mentions_from_frames(sentence, frames) -> List[Mention]:
    """``Mention`` objects (article offsets) from a ``records.Sentence`` and the
    tagger's ``SentenceFrames`` (``entities`` hold inclusive word indices)."""
    out = []
    for ent in getattr(frames, "entities", ()) or ():
        s, e = sentence.word_starts[ent.start], sentence.word_ends[ent.end]
        text = sentence.text[s - sentence.start:e - sentence.start]
        if ent.label == "PER" and ent.start == ent.end and gz.country_code(text):
            # a lone nationality word tagged as a person ("Russian" in "Russian
            # President Vladimir Putin") names no one: it is the title's demonym
            continue
        out.append(Mention(text, s, e, ent.label, sentence.sentence_index))
    return out


@dataclass
class Entity:
    eid: int
    label: str
    members: List[Mention] = field(default_factory=list)
    titles: Set[str] = field(default_factory=set)
    country: Optional[str] = None
    affiliation: Optional[int] = None  # eid of an ORG entity
    tokens: Set[str] = field(default_factory=set)  # name words of all members
    _best: Optional[tuple] = None

    def add(self, m: Mention):
        self.members.append(m)
        self.tokens.update(_name_tokens(m.text))
        key = (len(_name_tokens(m.text)), len(m.text))
        if self._best is None or key > self._best[0]:
            self._best = (key, _strip_the(m.text))

    @property
    def name(self) -> str:
        """The fullest name: the mention with the most name words (then characters)."""
        return self._best[1]


def _acronym(name: str) -> str:
    skip = {"of", "the", "and", "for", "on", "in", "de", "du"}
    return "".join(w[0] for w in re.split(r"[\s\-]+", name) if w and w.lower() not in skip
                   and w[0].isalpha()).upper()
