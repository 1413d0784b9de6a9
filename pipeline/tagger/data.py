"""Dataset readers: the three PropBank corpora -> ``Example`` sentences with frames.

One job: turn each corpus's own format into the same in-memory shape, with roles
folded (``labels.fold_role``) and every numbered argument given its PropBank
function from the frame files. Nothing here knows about tokenizers or torch.

* Universal Propositions (CoNLL-U Plus) marks argument *head words* only. Spans
  are rebuilt from the UD tree (``head_span``): the head's subtree, minus the
  predicate (minus the predicate's whole subtree when the argument head dominates
  it, as in relative clauses), minus the subtrees of the predicate's other
  argument heads, cut to the contiguous run around the head, punctuation trimmed.
* Auxiliaries and copulas (``aux``, ``aux:pass``, ``cop``) carry rolesets in UP but
  are not events: they are left out of the predicate labels here (label 0), so the
  predicate head learns to skip them and decoding needs no filter.
* MASC and the frame-file examples already carry BIO spans. MASC annotates verbs
  only and the frame examples one predicate per sentence, so neither says which
  words are *not* predicates: their predicate labels are left unknown (IGNORE),
  and only Universal Propositions teaches the predicate head.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .labels import bio_spans, fold_function, fold_role, is_numbered

NON_EVENT_DEPRELS = {"aux", "aux:pass", "cop"}
HELD_OUT_GENRE = "written/newspaper"

UP_DEV = "up-english-ewt/en_ewt-up-dev.conllu"
UP_TEST = "up-english-ewt/en_ewt-up-test.conllu"
#: The first 1,249 sentences of the UP train split (the whole split is not available):
#: two thirds as much again as the dev file. Read under the source name ``ewt-train``.
UP_TRAIN_SMALL = "up-english-ewt/en_ewt-up-train-small.conllu"
UNER_DEV = "uner-english-ewt/en_ewt-ud-dev.iob2"
MASC = "masc-propbank/masc_propbank.jsonl"
FRAME_EXAMPLES = "propbank-frames/examples.jsonl"
ROLES = "propbank-frames/roles.tsv"


@dataclass
class Frame:
    """One predicate of a sentence and its arguments."""

    pred_idx: int
    roleset: Optional[str]
    tags: List[str]  # BIO over folded role labels, one per word ("B-V" at the predicate)
    functions: List[Optional[str]]  # per word: function of the numbered argument it is in
    heads: List[Tuple[str, int]] = field(default_factory=list)  # UP only: (label, head word)


@dataclass
class Example:
    """One sentence with all its annotated frames."""

    source: str  # "ewt" | "masc" | "frames"
    doc: str
    sent_id: str
    words: List[str]
    frames: List[Frame]
    pred_labels: Optional[List[int]] = None  # 1/0 per word; None = unknown
    ner: Optional[List[str]] = None
    genre: str = ""
    # UD tree (UP only): parent index per word (-1 = root) and UPOS, used for head F1.
    parents: Optional[List[int]] = None
    upos: Optional[List[str]] = None


# --------------------------------------------------------------------------- frames


def load_roles(path: str) -> Dict[str, Dict[str, str]]:
    """roles.tsv -> {roleset: {"ARG0": "PAG", ...}} (functions folded)."""
    table: Dict[str, Dict[str, str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            arg = (row.get("arg") or "").strip().upper()
            fn = fold_function(row.get("function") or "")
            if not arg or fn is None:
                continue
            role = fold_role(f"ARG{arg}")
            if role is None:
                continue
            # setdefault: ARG6 folds into ARG5 and must not overwrite ARG5's own function
            table.setdefault(row["roleset"], {}).setdefault(role, fn)
    return table


def functions_for(tags: Sequence[str], roleset: Optional[str],
                  roles: Dict[str, Dict[str, str]]) -> List[Optional[str]]:
    table = roles.get(roleset or "", {})
    out: List[Optional[str]] = []
    for t in tags:
        role = t[2:] if t != "O" else ""
        out.append(table.get(role) if role and is_numbered(role) else None)
    return out


# --------------------------------------------------------------------------- BIO corpora


def fold_bio(tags: Sequence[str]) -> List[str]:
    """Fold a CoNLL-2012 BIO sequence; continuation parts (C-) become their own B- span."""
    out: List[str] = []
    prev = None
    for t in tags:
        if t == "O" or len(t) < 3:
            out.append("O")
            prev = None
            continue
        prefix, raw = t[0], t[2:]
        role = fold_role(raw)
        if role is None:
            out.append("O")
            prev = None
            continue
        if prefix == "I" and prev == role:
            out.append(f"I-{role}")
        else:
            out.append(f"B-{role}")
        prev = role
    return out


def _bio_frame(words, pred_idx, tags, roleset, roles) -> Frame:
    folded = fold_bio(tags)
    if folded[pred_idx] == "O":  # a few records leave the predicate untagged
        folded[pred_idx] = "B-V"
    return Frame(pred_idx, roleset, folded, functions_for(folded, roleset, roles))


def read_masc(path: str, roles, genres_in: Optional[set] = None,
              genres_out: Optional[set] = None) -> List[Example]:
    by_sent: Dict[Tuple[str, int], Example] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            genre = d.get("genre", "")
            if genres_in is not None and genre not in genres_in:
                continue
            if genres_out is not None and genre in genres_out:
                continue
            key = (d["doc"], d["sent"])
            ex = by_sent.get(key)
            if ex is None:
                ex = by_sent[key] = Example("masc", d["doc"], f"{d['doc']}#{d['sent']}",
                                            d["words"], [], genre=genre)
            ex.frames.append(_bio_frame(d["words"], d["pred_idx"], d["tags"], d["roleset"], roles))
    return list(by_sent.values())


def read_frame_examples(path: str, roles) -> List[Example]:
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            fr = _bio_frame(d["words"], d["pred_idx"], d["tags"], d["roleset"], roles)
            out.append(Example("frames", d["roleset"], f"frames#{i}", d["words"], [fr]))
    return out


# --------------------------------------------------------------------------- Universal Propositions


def _children(parents: Sequence[int]) -> List[List[int]]:
    kids: List[List[int]] = [[] for _ in parents]
    for i, p in enumerate(parents):
        if p >= 0:
            kids[p].append(i)
    return kids


def _subtree(i: int, kids: List[List[int]]) -> set:
    seen, stack = set(), [i]
    while stack:
        j = stack.pop()
        if j in seen:
            continue
        seen.add(j)
        stack.extend(kids[j])
    return seen


def head_span(head: int, pred: int, parents: Sequence[int], upos: Sequence[str],
              other_heads: Iterable[int] = ()) -> Tuple[int, int]:
    """Argument span [start, end] (inclusive word indices) from its head word.

    The head's subtree minus the predicate; when the head dominates the predicate
    (relative clauses, "the man who *left*"), minus the predicate's whole subtree.
    Subtrees of the predicate's other argument heads inside it are removed too, so
    sibling arguments never overlap. The result is the contiguous run of kept words
    around the head, with punctuation trimmed from both edges.
    """
    kids = _children(parents)
    keep = _subtree(head, kids)
    if pred in keep:
        keep -= _subtree(pred, kids) if head != pred else {pred}
    for h in other_heads:
        if h != head and h in keep:
            keep -= _subtree(h, kids)
    keep.add(head)
    start = end = head
    while start - 1 in keep:
        start -= 1
    while end + 1 in keep:
        end += 1
    while start < head and upos[start] == "PUNCT":
        start += 1
    while end > head and upos[end] == "PUNCT":
        end -= 1
    return start, end


def _conllu_sentences(path: str) -> Iterator[Tuple[Dict[str, str], List[List[str]]]]:
    meta: Dict[str, str] = {}
    rows: List[List[str]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if rows:
                    yield meta, rows
                meta, rows = {}, []
                continue
            if line.startswith("#"):
                if "=" in line:
                    k, v = line[1:].split("=", 1)
                    meta[k.strip()] = v.strip()
                elif "propbank" in line:
                    meta["propbank"] = line
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:  # multiword ranges and empty nodes
                continue
            rows.append(cols)
    if rows:
        yield meta, rows


def read_up(path: str, roles, ner: Optional[Dict[str, List[str]]] = None) -> List[Example]:
    out: List[Example] = []
    doc = ""
    for meta, rows in _conllu_sentences(path):
        if "newdoc id" in meta:
            doc = meta["newdoc id"]
        if meta.get("propbank", "").replace(" ", "") in {"no-up", "propbank=no-up"} or \
                "no-up" in meta.get("propbank", ""):
            continue  # not annotated: not "no predicates"
        words = [r[1] for r in rows]
        parents = [int(r[6]) - 1 for r in rows]
        upos = [r[3] for r in rows]
        deprels = [r[7] for r in rows]
        pred_rows = [i for i, r in enumerate(rows) if len(r) > 10 and r[10] != "_"]
        pred_labels = [0] * len(rows)
        frames: List[Frame] = []
        for k, p in enumerate(pred_rows):
            if deprels[p] in NON_EVENT_DEPRELS:
                continue
            pred_labels[p] = 1
            col = 11 + k
            tags = ["O"] * len(rows)
            v_words = {p}
            args: List[Tuple[str, int]] = []
            for i, r in enumerate(rows):
                val = r[col] if len(r) > col else "_"
                if val in ("_", ""):
                    continue
                role = fold_role(val)
                if role == "V":
                    v_words.add(i)
                elif role is not None:
                    args.append((role, i))
            # particles of phrasal verbs belong to the action ("rule out")
            v_words |= {i for i, (par, rel) in enumerate(zip(parents, deprels))
                        if par == p and rel == "compound:prt"}
            for i in sorted(v_words):
                tags[i] = "I-V" if i - 1 in v_words and i != min(v_words) else "B-V"
            arg_heads = [h for _, h in args]
            for role, h in sorted(args, key=lambda a: a[1]):
                s, e = head_span(h, p, parents, upos, arg_heads)
                span = [i for i in range(s, e + 1) if tags[i] == "O"]
                if h not in span:
                    continue
                # keep the contiguous free run around the head
                s2 = e2 = h
                while s2 - 1 in span:
                    s2 -= 1
                while e2 + 1 in span:
                    e2 += 1
                tags[s2] = f"B-{role}"
                for i in range(s2 + 1, e2 + 1):
                    tags[i] = f"I-{role}"
            frames.append(Frame(p, rows[p][10], tags, functions_for(tags, rows[p][10], roles),
                                heads=args))
        sid = meta.get("sent_id", f"{doc}#{len(out)}")
        out.append(Example("ewt", doc, sid, words, frames, pred_labels=pred_labels,
                           ner=(ner or {}).get(sid) if ner and len((ner or {}).get(sid, [])) == len(words) else None,
                           parents=parents, upos=upos))
    return out


def read_uner(path: str) -> Dict[str, List[str]]:
    """UNER IOB2 -> {sent_id: tags}; tags outside PER/ORG/LOC become O."""
    out: Dict[str, List[str]] = {}
    sid, tags = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# sent_id"):
                sid = line.split("=", 1)[1].strip()
                tags = []
            elif not line:
                if sid is not None:
                    out[sid] = tags
                sid, tags = None, []
            elif not line.startswith("#"):
                cols = line.split("\t")
                t = cols[2] if len(cols) > 2 else "O"
                tags.append(t if t[2:] in {"PER", "ORG", "LOC"} else "O")
    if sid is not None:
        out[sid] = tags
    return out


# --------------------------------------------------------------------------- splits


def _bucket(key: str) -> float:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def load_training(data_dir: str, dev_fraction: float = 0.08,
                  sources: Sequence[str] = ("ewt", "masc", "frames")):
    """Everything that may be trained on, split by *document* into train and dev.

    Sources: ``ewt`` (the UP dev file, with Universal NER), ``ewt-train`` (the
    UP train-split prefix; no NER labels exist for it here), ``masc`` and
    ``frames``. Both UP sources yield examples of source ``ewt``: the same span
    rules, and both teach the predicate head. Held out and never read here: all
    of ``en_ewt-up-test.conllu`` and every MASC document of genre
    ``written/newspaper``.
    """
    roles = load_roles(os.path.join(data_dir, ROLES))
    examples: List[Example] = []
    if "ewt" in sources:
        ner = read_uner(os.path.join(data_dir, UNER_DEV))
        examples += read_up(os.path.join(data_dir, UP_DEV), roles, ner)
    if "ewt-train" in sources:
        examples += read_up(os.path.join(data_dir, UP_TRAIN_SMALL), roles)
    if "masc" in sources:
        examples += read_masc(os.path.join(data_dir, MASC), roles, genres_out={HELD_OUT_GENRE})
    if "frames" in sources:
        # The frame files quote some corpus sentences word for word, held-out ones
        # included (25 MASC newspaper sentences, one EWT test sentence), with no
        # source to filter on: drop every example whose words match a held-out one.
        ewt_test, news = load_heldout(data_dir)
        held = {tuple(e.words) for e in ewt_test + news}
        examples += [ex for ex in read_frame_examples(os.path.join(data_dir, FRAME_EXAMPLES), roles)
                     if tuple(ex.words) not in held]
    train, dev = [], []
    for ex in examples:
        frac = dev_fraction if ex.source != "frames" else dev_fraction / 4
        (dev if _bucket(f"{ex.source}:{ex.doc}") < frac else train).append(ex)
    return train, dev


def load_heldout(data_dir: str):
    """(UP English-EWT test sentences, MASC newspaper sentences)."""
    roles = load_roles(os.path.join(data_dir, ROLES))
    ewt = read_up(os.path.join(data_dir, UP_TEST), roles)
    news = read_masc(os.path.join(data_dir, MASC), roles, genres_in={HELD_OUT_GENRE})
    return ewt, news


spans = bio_spans  # the readers' name for the shared helper
