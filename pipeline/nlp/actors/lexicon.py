"""Words of actor resolution: pronoun and function-word lists, the word tokenizer, name tokens."""
from __future__ import annotations

import functools
import re
from typing import List, Tuple

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
WORD_RE = re.compile(r"[^\W_][\w.'’\-]*[\w.]|[^\W_]|[^\w\s]", re.UNICODE)


def _words(text: str, base: int = 0) -> List[Tuple[str, int, int]]:
    out = []
    for m in WORD_RE.finditer(text):
        w, s, e = m.group(0), base + m.start(), base + m.end()
        for suf in ("'s", "’s"):
            if w.endswith(suf) and len(w) > 2:
                out.append((w[:-2], s, e - 2))
                out.append((w[-2:], e - 2, e))
                break
        else:
            if w.endswith(".") and len(w) > 1 and not re.fullmatch(r"(?:[A-Za-z]\.)+|[A-Z][a-z]{0,3}\.", w):
                out.append((w[:-1], s, e - 1))
                out.append((".", e - 1, e))
            else:
                out.append((w, s, e))
    return out


@functools.lru_cache(maxsize=65536)
def _name_tokens(text: str) -> Tuple[str, ...]:
    toks = []
    for w, _, _ in _words(text):
        if not w[:1].isalnum() or w in ("'s", "’s") or w.endswith("."):
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
