"""One event, many reports, scored on ECB+: ``python -m bench.ecb_eval`` (``make eval-clusters``).

    python -m bench.ecb_eval                 # test topics 36-45: the table of docs/EVENTS.md
    python -m bench.ecb_eval --split dev     # topics 23-25
    python -m bench.ecb_eval --tune          # pick the rule's thresholds on topics 1-25

Cross-document event coreference on ECB+ (``<data-dir>/ecbplus``), the usual split:
train topics 1-22, dev 23-25, test 36-45 (reported, never tuned on). Only the sentences
listed in ``ECBplus_coreference_sentences.csv`` are used, in every document; all
documents of a split are clustered together, across topics (no gold topics, no document
clustering), and scored with ``scorch`` (MUC, B³, CEAF-e and CoNLL F1, their mean),
singletons included on both sides.

* **Gold mentions**: every ``ACTION_*`` / ``NEG_ACTION_*`` markable of the annotated
  sentences; its chain is its ``CROSS_DOC_COREF`` instance, else its
  ``INTRA_DOC_COREF`` chain, else it is a singleton.
* **The pipeline** (``python -m pipeline``, DirectRunner, no publication date: ECB+ has
  none) runs over the annotated sentences of each document, one line a sentence,
  words detokenized; its rows are cached under ``.bench-cache/ecb/`` (``--fresh`` redoes it).
  A row *matches* a gold mention when the first word of its predicate lies inside the
  mention's words (the first row of a mention wins).
* **Systems**: the *same-lemma baseline* (mentions with the same lemma share one cluster)
  and *the rule* (``pipeline.nlp.events.clusters``: block on PLOVER type, date bucket,
  who/target country; then dates, sectors and sentence similarity). The rule reads each
  mention's event type, date, actors and sentence from the pipeline's row: every row,
  not only coded ones, with the event head's type even when it is OTHER. A gold mention
  no row matches (mostly nominals: "the earthquake") is typed OTHER, undated and
  without actors: it is clustered on its lemma and sentence alone.
* **Mentions**: *gold* scores the systems on the gold mentions; *pipeline* on the rows
  the pipeline wrote, a matched row standing for its gold mention and an unmatched row
  a system mention of its own (it costs precision, as in the CoNLL scorer with
  predicted mentions); gold mentions no row matched are missing (they cost recall).

The last line is ``ecb_eval split=... gold_rule_conll=... gold_lemma_conll=...
pipeline_rule_conll=... pipeline_lemma_conll=...``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.gold_corpus import _NO_SPACE_AFTER, _NO_SPACE_BEFORE, _QUOTES  # noqa: E402
from pipeline.nlp.events.clusters import (  # noqa: E402
    RULE, Rule, Telling, cluster_all, context_words, telling_from_row)

ECB_TAR = "ecbplus/ecbplus-xml.tar.gz"
ECB_SENTENCES = "ecbplus/ECBplus_coreference_sentences.csv"
CACHE = os.path.join(ROOT, ".bench-cache", "ecb")
#: the pipeline flags of the run over ECB+: every frame, as the rule was tuned (ECB+
#: annotates reporting and state mentions, which the default's frame gate drops)
ALL_FRAMES = ("--all-frames",)
SPLITS = {"train": range(1, 23), "dev": range(23, 26), "test": range(36, 46),
          "tune": range(1, 26)}


@dataclass(frozen=True)
class Doc:
    name: str  # "36_1ecb": the article id the pipeline gives the file
    topic: int
    text: str
    spans: Dict[str, Tuple[int, int]]  # token id -> character span in text
    sentence_of: Dict[str, int]  # token id -> ECB+ sentence number
    sentences: Dict[int, str]  # ECB+ sentence number -> its line of text


@dataclass(frozen=True)
class Gold:
    mid: str  # "36_1ecb:21-22": the mention's identity on both sides of the scorer
    doc: str
    tokens: Tuple[str, ...]
    start: int
    end: int
    text: str
    sentence: int
    chain: str


# ------------------------------------------------------------------ corpus


def _join(words: Sequence[Tuple[str, str]]) -> Tuple[str, Dict[str, Tuple[int, int]]]:
    """Detokenize one sentence (as ``bench.gold_corpus.detokenize``), keeping each
    token's character span."""
    out, spans, prev = "", {}, None
    for tid, w in words:
        text = _QUOTES.get(w, w)
        if out and not (w in _NO_SPACE_BEFORE or w.lower() in _NO_SPACE_BEFORE) \
                and prev not in _NO_SPACE_AFTER:
            out += " "
        spans[tid] = (len(out), len(out) + len(text))
        out += text
        prev = w
    return out, spans


def load(data_dir: str, topics: Iterable[int]) -> Tuple[List[Doc], List[Gold]]:
    """The documents of ``topics`` (annotated sentences only) and their gold mentions."""
    topics = set(topics)
    chosen: Dict[str, Set[int]] = defaultdict(set)
    with open(os.path.join(data_dir, ECB_SENTENCES), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["Topic"]) in topics:
                chosen[f"{row['Topic']}_{row['File']}"].add(int(row["Sentence Number"]))
    docs, golds = [], []
    with tarfile.open(os.path.join(data_dir, ECB_TAR)) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = os.path.basename(member.name)[:-4]
            if not member.name.endswith(".xml") or name not in chosen:
                continue
            root = ET.parse(tar.extractfile(member)).getroot()
            doc = _doc(root, name, chosen[name])
            docs.append(doc)
            golds += _mentions(root, doc)
    return docs, golds


def _doc(root, name: str, keep: Set[int]) -> Doc:
    words: Dict[int, List[Tuple[str, str]]] = defaultdict(list)
    for tok in root.iter("token"):
        s = int(tok.get("sentence"))
        if s in keep:
            words[s].append((tok.get("t_id"), tok.text or ""))
    text, spans, sentence_of, sentences = "", {}, {}, {}
    for s in sorted(words):
        line, local = _join(words[s])
        for tid, (a, b) in local.items():
            spans[tid] = (len(text) + a, len(text) + b)
            sentence_of[tid] = s
        sentences[s] = line
        text += line + "\n"
    return Doc(name, int(name.split("_")[0]), text, spans, sentence_of, sentences)


def _mentions(root, doc: Doc) -> List[Gold]:
    markables = root.find("Markables")
    anchors: Dict[str, Tuple[str, ...]] = {}
    for m in markables:
        if m.tag.startswith(("ACTION", "NEG_ACTION")):
            tids = tuple(a.get("t_id") for a in m.findall("token_anchor"))
            if tids and all(t in doc.spans for t in tids):
                anchors[m.get("m_id")] = tids
    chain: Dict[str, str] = {}
    for rel in root.find("Relations") or ():
        ids = [s.get("m_id") for s in rel.findall("source")]
        if rel.tag == "CROSS_DOC_COREF":
            name = "x:" + rel.get("note")
        elif rel.tag == "INTRA_DOC_COREF":
            name = f"i:{doc.name}:{rel.get('r_id')}"
        else:
            continue
        for i in ids:
            chain.setdefault(i, name)
    out = []
    for m_id, tids in anchors.items():
        tids = tuple(sorted(tids, key=int))
        start, end = doc.spans[tids[0]][0], doc.spans[tids[-1]][1]
        mid = f"{doc.name}:{tids[0]}-{tids[-1]}"
        out.append(Gold(mid, doc.name, tids, start, end, doc.text[start:end],
                        doc.sentence_of[tids[0]], chain.get(m_id, "s:" + mid)))
    # a span annotated twice is one mention
    return list({g.mid: g for g in sorted(out, key=lambda g: (g.start, g.mid))}.values())


# ---------------------------------------------------------------- pipeline


def pipeline_rows(docs: Sequence[Doc], fresh: bool = False,
                  cli_args: Sequence[str] = ALL_FRAMES) -> Dict[str, List[dict]]:
    """The pipeline's events rows per document, run with ``cli_args`` (cached by
    the texts, the arguments and the model folder's files: the tagger, event head
    and frame gate; a code change needs ``--fresh``)."""
    from pipeline.ops.tables import read_table
    from pipeline.tagger import CHECKPOINT_DIR, model_name

    digest = hashlib.sha1(model_name(CHECKPOINT_DIR).encode() + b"\0" + " ".join(cli_args).encode())
    for name in sorted(os.listdir(CHECKPOINT_DIR)):
        if name.endswith((".safetensors", ".json")):
            with open(os.path.join(CHECKPOINT_DIR, name), "rb") as f:
                digest.update(name.encode() + b"\0" + hashlib.sha1(f.read()).digest())
    for d in docs:
        digest.update(d.name.encode() + b"\0" + d.text.encode())
    folder = os.path.join(CACHE, digest.hexdigest()[:12])
    rows_file = os.path.join(folder, "events.json")
    if fresh or not os.path.isfile(rows_file):
        inputs = os.path.join(folder, "input")
        os.makedirs(inputs, exist_ok=True)
        for d in docs:
            with open(os.path.join(inputs, d.name + ".txt"), "w", encoding="utf-8") as f:
                f.write(d.text)
        from pipeline.cli import main as cli

        t0 = time.time()
        out = os.path.join(folder, "out")
        if cli(["--input", os.path.join(inputs, "*.txt"), "--output", out, *cli_args]) != 0:
            raise SystemExit("the pipeline run failed")
        print(f"pipeline over {len(docs)} documents: {time.time() - t0:.0f} s", file=sys.stderr)
        rows = read_table(out, "events").to_pylist()
        with open(rows_file, "w", encoding="utf-8") as f:
            json.dump(rows, f, default=str)
    with open(rows_file, encoding="utf-8") as f:
        rows = json.load(f)
    import datetime as dt

    by_doc: Dict[str, List[dict]] = defaultdict(list)
    for r in rows:
        r["date"] = dt.date.fromisoformat(r["date"]) if r["date"] else None
        by_doc[r["article_id"]].append(r)
    for rs in by_doc.values():
        rs.sort(key=lambda r: (r["sentence_index"], r["action_start"]))
    return by_doc


def match(docs: Sequence[Doc], golds: Sequence[Gold], rows: Dict[str, List[dict]]
          ) -> Dict[str, Optional[str]]:
    """event_id -> the gold mention it matches (None: a system mention of its own).
    A row matches a mention when its predicate's first character lies in the
    mention's words; each mention takes the first such row."""
    by_doc: Dict[str, List[Gold]] = defaultdict(list)
    for g in golds:
        by_doc[g.doc].append(g)
    out, taken = {}, set()
    for d in docs:
        for r in rows.get(d.name, []):
            hit = None
            for g in by_doc[d.name]:
                inside = any(a <= r["action_start"] < b for a, b in (d.spans[t] for t in g.tokens))
                if inside and g.mid not in taken:
                    hit = g.mid
                    taken.add(hit)
                    break
            out[r["event_id"]] = hit
    return out


def _lemma(text: str) -> str:
    from pipeline.nlp.events.frames import lemmatize

    return " ".join(lemmatize(w) for w in text.split())


def gold_tellings(docs: Sequence[Doc], golds: Sequence[Gold], rows: Dict[str, List[dict]],
                  matched: Dict[str, Optional[str]]) -> List[Telling]:
    """One telling per gold mention: its own lemma and sentence, the type, date and
    actors of the row that matches it (OTHER, undated, no actors without one)."""
    row_of = {}
    for rs in rows.values():
        for r in rs:
            if matched.get(r["event_id"]):
                row_of[matched[r["event_id"]]] = r
    sentences = {d.name: d.sentences for d in docs}
    out = []
    for g in golds:
        words = context_words(sentences[g.doc][g.sentence], g.text)
        base = dict(event_id=g.mid, article_id=g.doc, sentence_index=g.sentence,
                    lemma=_lemma(g.text), words=words)
        r = row_of.get(g.mid)
        if r is None:
            out.append(Telling(event_type="OTHER", **base))
        else:
            out.append(replace(telling_from_row(r), **base))
    return out


def system_tellings(rows: Dict[str, List[dict]], matched: Dict[str, Optional[str]]
                    ) -> List[Telling]:
    """One telling per row; a matched row goes by its gold mention's id."""
    out = []
    for rs in rows.values():
        for r in rs:
            t = telling_from_row(r)
            out.append(replace(t, event_id=matched.get(r["event_id"]) or "sys:" + r["event_id"]))
    return out


# ----------------------------------------------------------------- scoring


def _topic(t: Telling) -> str:
    return t.article_id.split("_")[0]


def same_lemma(tellings: Sequence[Telling], gold_topics: bool = False) -> List[Set[str]]:
    groups: Dict[tuple, Set[str]] = defaultdict(set)
    for t in tellings:
        groups[(_topic(t) if gold_topics else None, t.lemma)].add(t.event_id)
    return list(groups.values())


def rule_clusters(tellings: Sequence[Telling], rule: Rule = RULE,
                  gold_topics: bool = False) -> List[Set[str]]:
    if not gold_topics:
        return [{t.event_id for t in c} for c in cluster_all(tellings, rule)]
    topics: Dict[str, List[Telling]] = defaultdict(list)
    for t in tellings:
        topics[_topic(t)].append(t)
    return [c for ts in topics.values() for c in rule_clusters(ts, rule)]


def scores(key: List[Set[str]], response: List[Set[str]]) -> Dict[str, float]:
    from scorch.scores import b_cubed, ceaf_e, muc

    m, b, c = muc(key, response), b_cubed(key, response), ceaf_e(key, response)
    return {"muc": m[2], "b3_r": b[0], "b3_p": b[1], "b3": b[2], "ceafe": c[2],
            "conll": (m[2] + b[2] + c[2]) / 3}


def gold_key(golds: Sequence[Gold]) -> List[Set[str]]:
    chains: Dict[str, Set[str]] = defaultdict(set)
    for g in golds:
        chains[g.chain].add(g.mid)
    return list(chains.values())


def evaluate(data_dir: str, split: str, rule: Rule = RULE, fresh: bool = False,
             prepared=None, gold_topics: bool = False,
             cli_args: Sequence[str] = ALL_FRAMES) -> Dict[str, Dict[str, float]]:
    """The four scores of a split; ``gold_topics``: cluster within each gold
    topic only (the easier setting some papers report), not across them."""
    docs, golds, rows, matched = prepared or prepare(data_dir, split, fresh, cli_args)
    key = gold_key(golds)
    gold_t = gold_tellings(docs, golds, rows, matched)
    sys_t = system_tellings(rows, matched)
    return {"gold lemma": scores(key, same_lemma(gold_t, gold_topics)),
            "gold rule": scores(key, rule_clusters(gold_t, rule, gold_topics)),
            "pipeline lemma": scores(key, same_lemma(sys_t, gold_topics)),
            "pipeline rule": scores(key, rule_clusters(sys_t, rule, gold_topics))}


def prepare(data_dir: str, split: str, fresh: bool = False,
            cli_args: Sequence[str] = ALL_FRAMES):
    """(documents, gold mentions, rows per document, matches) of a split. The
    pipeline runs once over every annotated document (topics 1-45), cached."""
    docs, golds = load(data_dir, range(1, 46))
    rows = pipeline_rows(docs, fresh, cli_args)
    topics = set(SPLITS[split])
    docs = [d for d in docs if d.topic in topics]
    golds = [g for g in golds if int(g.doc.split("_")[0]) in topics]
    rows = {d.name: rows.get(d.name, []) for d in docs}
    return docs, golds, rows, match(docs, golds, rows)


def tune(data_dir: str, fresh: bool = False, cli_args: Sequence[str] = ALL_FRAMES) -> Rule:
    """The thresholds with the best mean CoNLL F1 (gold and pipeline mentions) on
    topics 1-25; prints the grid's best few."""
    prepared = prepare(data_dir, "tune", fresh, cli_args)
    docs, golds, rows, matched = prepared
    key = gold_key(golds)
    gold_t = gold_tellings(docs, golds, rows, matched)
    sys_t = system_tellings(rows, matched)
    results = []
    grid = [Rule(c, other, open_country)
            for c in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
            for other in (None, 0.6)
            for open_country in (True, False)]
    for rule in grid:
        g = scores(key, rule_clusters(gold_t, rule))["conll"]
        p = scores(key, rule_clusters(sys_t, rule))["conll"]
        results.append(((g + p) / 2, g, p, rule))
    results.sort(key=lambda r: -r[0])
    print(f"topics 1-25: {len(docs)} documents, {len(golds)} gold mentions; same-lemma "
          f"baseline CoNLL gold {100 * scores(key, same_lemma(gold_t))['conll']:.1f} "
          f"pipeline {100 * scores(key, same_lemma(sys_t))['conll']:.1f}")
    for mean, g, p, rule in results[:10]:
        print(f"{rule}  CoNLL gold {100 * g:.1f} pipeline {100 * p:.1f} mean {100 * mean:.1f}")
    default = next(r for r in results if r[3] == RULE)
    print(f"the rule as shipped ({RULE}): CoNLL gold {100 * default[1]:.1f} "
          f"pipeline {100 * default[2]:.1f}, rank {results.index(default) + 1} of {len(results)}")
    return results[0][3]


def table(results: Dict[str, Dict[str, float]], split: str, n_docs: int, n_gold: int,
          n_rows: int, n_matched: int, gold_topics: bool = False) -> str:
    how = ("clustered within each gold topic" if gold_topics
           else "all documents clustered together, across topics")
    lines = [f"ECB+ {split} topics {SPLITS[split].start}-{SPLITS[split].stop - 1}: "
             f"{n_docs} documents, {n_gold} gold mentions, {n_rows} pipeline rows "
             f"({n_matched} match a gold mention); {how}",
             "", "| mentions | system | MUC F1 | B³ R | B³ P | B³ F1 | CEAF-e F1 | CoNLL F1 |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, m in results.items():
        mentions, system = name.split()
        system = "same lemma (baseline)" if system == "lemma" else "the rule"
        lines.append(f"| {mentions} | {system} | {100 * m['muc']:.1f} | {100 * m['b3_r']:.1f} | "
                     f"{100 * m['b3_p']:.1f} | {100 * m['b3']:.1f} | {100 * m['ceafe']:.1f} | "
                     f"**{100 * m['conll']:.1f}** |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ecb_eval", description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=os.path.join(ROOT, "..", "shared", "data"))
    p.add_argument("--split", choices=("test", "dev", "train"), default="test")
    p.add_argument("--tune", action="store_true",
                   help="grid-search the rule's thresholds on topics 1-25 (train + dev)")
    p.add_argument("--fresh", action="store_true", help="run the pipeline again (no cache)")
    p.add_argument("--gold-topics", action="store_true",
                   help="also score clustering within each gold topic (the easier setting)")
    p.add_argument("--cli-args", default=" ".join(ALL_FRAMES),
                   help="pipeline flags for the run over ECB+ (default '--all-frames': ECB+ "
                        "scores reporting and state mentions, which the default's frame gate "
                        "drops; '' gives the default set-up)")
    args = p.parse_args(argv)
    cli_args = args.cli_args.split()
    if args.tune:
        best = tune(args.data_dir, args.fresh, cli_args)
        print(f"best: {best}")
        return 0
    t0 = time.time()
    prepared = prepare(args.data_dir, args.split, args.fresh, cli_args)
    docs, golds, rows, matched = prepared
    t1 = time.time()
    results = evaluate(args.data_dir, args.split, prepared=prepared)
    n_rows = sum(len(r) for r in rows.values())
    print(table(results, args.split, len(docs), len(golds), n_rows,
                sum(1 for v in matched.values() if v)))
    if args.gold_topics:
        print()
        print(table(evaluate(args.data_dir, args.split, prepared=prepared, gold_topics=True),
                    args.split, len(docs), len(golds), n_rows,
                    sum(1 for v in matched.values() if v), gold_topics=True))
    print(f"\npipeline rows {t1 - t0:.0f} s (cached after the first run), clustering and "
          f"scoring {time.time() - t1:.0f} s")
    print(f"ecb_eval split={args.split} "
          + " ".join(f"{k.replace(' ', '_')}_conll={100 * v['conll']:.1f}"
                     for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
