"""EWT documents as articles: text plus Universal NER mentions with article offsets.

The Universal NER English-EWT files (``../shared/data/uner-english-ewt/*.iob2``)
carry each sentence's raw text (``# text = ...``) and one IOB2 tag per UD word.
An article is one ``# newdoc`` document: its sentences joined by newlines (one
sentence per line, so an unclosed quote never runs past its sentence). Word
offsets are found by scanning the sentence text left to right; a word that
cannot be found (rare UD multiword splits) just ends its entity there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Tuple

UNER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "..", "shared", "data", "uner-english-ewt")


@dataclass
class EwtDoc:
    doc_id: str
    text: str
    sentences: List[Tuple[int, int]]          # (start, end) of each sentence in text
    entities: List[Tuple[str, int, int, int]]  # (label, start, end, sentence_index)


def _word_offsets(text: str, words: List[str]) -> List[Tuple[int, int]]:
    out, pos = [], 0
    for w in words:
        i = text.find(w, pos)
        if i < 0 or i - pos > 20:
            out.append((-1, -1))
            continue
        out.append((i, i + len(w)))
        pos = i + len(w)
    return out


def load_docs(split: str = "dev", uner_dir: str = UNER_DIR) -> Dict[str, EwtDoc]:
    path = os.path.join(uner_dir, f"en_ewt-ud-{split}.iob2")
    docs: Dict[str, EwtDoc] = {}
    doc_id, sent_text, words, tags = None, None, [], []

    def flush():
        nonlocal words, tags, sent_text
        if doc_id is None or sent_text is None:
            words, tags = [], []
            return
        d = docs.setdefault(doc_id, EwtDoc(doc_id, "", [], []))
        base = len(d.text) + (1 if d.text else 0)
        d.text = (d.text + "\n" if d.text else "") + sent_text
        si = len(d.sentences)
        d.sentences.append((base, base + len(sent_text)))
        offs = _word_offsets(sent_text, words)
        cur = None
        for (s, e), t in zip(offs + [(-1, -1)], tags + ["O"]):
            if cur and (not t.startswith("I-") or s < 0):
                d.entities.append((cur[0], base + cur[1], base + cur[2], si))
                cur = None
            if s < 0:
                continue
            if t.startswith("B-") or (t.startswith("I-") and cur is None):
                cur = [t[2:], s, e]
            elif t.startswith("I-") and cur:
                cur[2] = e
        words, tags, sent_text = [], [], None

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# newdoc id"):
                flush()
                doc_id = line.split("=", 1)[1].strip()
            elif line.startswith("# text ="):
                sent_text = line.split("=", 1)[1].strip()
            elif line.startswith("#"):
                continue
            elif not line.strip():
                flush()
            else:
                p = line.split("\t")
                words.append(p[1])
                tags.append(p[2])
        flush()
    return docs
