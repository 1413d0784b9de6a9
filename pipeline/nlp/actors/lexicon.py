"""Words of actor resolution: pronoun and function-word lists, name tokens.

The word splitter is the shared one, :func:`pipeline.nlp.text.words`.
"""
from __future__ import annotations

import functools
import re
from typing import Tuple

from pipeline.nlp.text import POSSESSIVE
from pipeline.nlp.text import words as split_words

# closed-class English words, not names of anything

PRON_3SG_PERSON = {"he", "him", "his", "himself", "she", "her", "hers", "herself"}
PRON_3SG_THING = {"it", "its", "itself"}
PRON_3PL = {"they", "them", "their", "theirs", "themselves"}
PRON_1SG = {"i", "me", "my", "mine", "myself"}
PRON_1PL = {"we", "us", "our", "ours", "ourselves"}
PRONOUNS = PRON_3SG_PERSON | PRON_3SG_THING | PRON_3PL | PRON_1SG | PRON_1PL | {"you", "your"}
POSSESSIVE_DETS = {"his", "her", "its", "their", "our", "my", "your"}
REFLEXIVES = {"himself", "herself", "itself", "themselves", "ourselves", "myself"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those"}
CLAUSE_STARTS = {"that", "whether", "if", "how", "what", "why", "when", "where", "who"}
FUNCTION_WORDS = {
    "the", "a", "an", "of", "and", "or", "but", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "that", "this", "which", "who", "whom", "whose", "is", "was", "are",
    "were", "be", "been", "has", "have", "had", "will", "would", "not", "it", "he", "she",
    "they", "we", "i", "you", "its", "his", "her", "their", "our", "said", "says",
    "told", "against", "between", "after", "before", "while", "when", "if", "than",
}
HEAD_CONTINUATIONS = {"'s", "’s", "'", "’", "of", "and", "or", "&"}
SPEECH_VERBS = {
    "said", "says", "say", "told", "tells", "added", "adds", "continued", "asked",
    "stated", "declared", "insisted", "explained", "noted", "replied", "wrote", "warned",
    "stressed", "argued", "claimed", "announced", "assured", "according", "recalled",
    "concluded", "emphasised", "emphasized", "urged", "tweeted", "posted",
}
ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ul)-", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def _name_tokens(text: str) -> Tuple[str, ...]:
    toks = []
    for w, _, _ in split_words(text):
        if not w[:1].isalnum() or w in POSSESSIVE or w.endswith("."):
            continue  # punctuation, possessive, honorifics ("Mr.", "Gen.")
        w = ARABIC_ARTICLE.sub("", w).lower().replace("’", "'")
        if w and w not in ("-",):
            toks.append(w)
    return tuple(toks)


def _strip_the(s: str) -> str:
    return re.sub(r"^(?:the|The|THE)\s+", "", s.strip())


def _is_plural(word: str) -> bool:
    w = word.lower()
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is"))
