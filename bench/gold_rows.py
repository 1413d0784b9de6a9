"""Label templates for the coded-events gold set, one JSON line per pipeline row.

    python -m bench.gold_rows --events OUT_DIR --out tests/data/gold/events [--articles ID ...]

Reads the ``events`` table of a pipeline run over ``bench.gold_corpus``'s articles
and writes ``<out>/<article_id>.jsonl``: every row of the article, in text order,
with the fields a labeller reads (sentence, action, who, target, object,
negated, modality) and the three labels left null: ``event``, ``type``,
``factuality``. ``tests/data/gold/EVENTS_GUIDE.md`` says how to fill them.
An existing file is never overwritten (labels are not to be lost).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import pyarrow.dataset as ds

KEY = ("article_id", "sentence_index", "action_start")
SHOWN = ("action", "action_lemma", "who", "target", "object", "negated", "modality", "sentence")
LABELS = ("event", "type", "factuality")


def templates(events_dir: str, articles=None):
    rows = ds.dataset(events_dir, format="parquet").to_table(
        columns=list(KEY) + list(SHOWN)).to_pylist()
    by_article = {}
    for r in sorted(rows, key=lambda r: tuple(r[k] for k in KEY)):
        if articles and r["article_id"] not in articles:
            continue
        by_article.setdefault(r["article_id"], []).append(
            {**{k: r[k] for k in KEY + SHOWN}, **{k: None for k in LABELS}})
    return by_article


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", required=True, help="a pipeline output folder (or its events/ folder)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--articles", nargs="*", help="only these article ids")
    args = ap.parse_args(argv)
    events = os.path.join(args.events, "events") if os.path.isdir(
        os.path.join(args.events, "events")) else args.events
    os.makedirs(args.out, exist_ok=True)
    for aid, rows in templates(events, set(args.articles or [])).items():
        path = os.path.join(args.out, f"{aid}.jsonl")
        if os.path.exists(path):
            print(f"kept {path} (exists)")
            continue
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"wrote {path}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
