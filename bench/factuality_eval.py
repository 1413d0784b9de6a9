"""The factuality rules alone, on the labelled events of the gold set's dev and training-only articles.

    python -m bench.factuality_eval [--parts dev,train] [--data-dir ../shared/data] [--runtime torch]

``pipeline/nlp/events/factuality.py`` derives each frame's factuality from the
tagger's frames. This scores that value (before the event head's own
factuality output, which ``bench.events_eval`` scores with it on the test part)
against the gold label of every labelled event, per part, with the confusions.
It is what the rules are checked on: the dev articles and the training-only
articles, eight times as many events; the test part stays for
``bench.events_eval``.
"""
from __future__ import annotations

import argparse
import collections
import sys
from typing import Dict, List, Tuple

PARTS = ("dev", "train")


def rule_factualities(parts, data_dir: str, work: str, runtime: str = "torch") -> List[Tuple[str, str, str]]:
    """(part, gold factuality, rules' factuality) for every labelled event of
    these parts' articles, as the pipeline decodes them (every frame)."""
    from bench.gold_corpus import split
    from bench.gold_offline import decoded_events, gold_texts, key, load_gold
    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.predictor import Predictor

    gold = {key(r): r for r in load_gold() if r["event"] and split(r["article_id"]) in parts}
    texts = gold_texts(data_dir, work)
    ids = {k[0] for k in gold}
    predictor = Predictor.from_folder(CHECKPOINT_DIR, runtime=runtime)
    out = []
    for e in decoded_events({a: t for a, t in texts.items() if a in ids}, predictor):
        g = gold.get((e.article_id, e.sentence_index, e.action_start))
        if g is not None:
            out.append((split(e.article_id), g["factuality"], e.factuality))
    return out


def report(rows) -> Dict[str, float]:
    acc = {}
    for part in sorted({p for p, _, _ in rows}):
        mine = [(g, r) for p, g, r in rows if p == part]
        acc[part] = sum(g == r for g, r in mine) / len(mine)
        errors = collections.Counter((g, r) for g, r in mine if g != r)
        print(f"{part}: factuality accuracy {acc[part]:.3f} ({len(mine)} labelled events)")
        print("   gold -> rules: " + ", ".join(f"{g} -> {r} {n}" for (g, r), n in errors.most_common(6)))
    return acc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="dev,train",
                    type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
                    help="gold set parts to score: dev, train (training-only articles)")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--work", default="/tmp/newsevents-factuality", help="scratch folder")
    ap.add_argument("--runtime", default="torch", choices=["torch", "onnx", "onnx-int8"])
    args = ap.parse_args(argv)
    bad = [p for p in args.parts if p not in PARTS]
    if bad:
        ap.error(f"--parts: {', '.join(bad)} is no part this scores (dev, train; the test part "
                 f"is scored by python -m bench.events_eval)")
    report(rule_factualities(set(args.parts), args.data_dir, args.work, args.runtime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
