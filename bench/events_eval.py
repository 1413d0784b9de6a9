"""Score the pipeline's coded events on the gold set: ``python -m bench.events_eval``.

    python -m bench.events_eval                  # test part, this checkout's model
    python -m bench.events_eval --split dev      # the part the head and rules were fitted on
    python -m bench.events_eval --model DIR      # another tagger folder (with its event head)

Runs the real pipeline (``python -m pipeline``, DirectRunner) over the gold
articles of the split (``bench.gold_corpus``), matches every row it writes to
the labelled row (article, sentence, predicate offset) and scores:

* **eventness** P/R/F1 (``is_event`` against the label ``event``);
* **PLOVER type** P/R/F1 per type and micro over the 16 types, OTHER excluded:
  a row counts for type T when it is an event of type T (predicted:
  ``is_event`` and ``event_type``; gold: ``event`` and ``type``);
* **factuality** accuracy on the gold events (and on all rows);
* **coded** P/R/F1: ``coded`` against the gold row's coded value
  (``event_head.is_coded`` of its labels and the row's ``who``).

The scored run is the pipeline's default set-up (``--cli-args`` adds flags,
e.g. ``--all-frames``). The baseline is the table before the event head and
the frame gate (a second run, ``--all-frames --runtime torch``): every row an event, typed by
the old similarity typer (``pipeline.nlp.events.similarity``, layer and calibration as
shipped), factuality from ARGM-NEG alone, coded = typed other than OTHER, not
negated, with a who. A labelled row the pipeline no longer writes counts as
missed; a row without a label counts as a non-event (both are printed).
The last line is ``events_eval split=... coded_p=... coded_r=... plover_micro_f1=...
factuality_acc=... eventness_f1=...``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from typing import Dict, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.gold_corpus import build, split as split_of  # noqa: E402
from bench.gold_offline import key, load_gold  # noqa: E402
from pipeline.nlp.events.head import PLOVER_TYPES, is_coded  # noqa: E402


def prf(tp: int, fp: int, fn: int):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(pairs) -> Dict:
    """``pairs``: (prediction, gold) per row; a prediction is a dict with
    is_event, event_type, factuality, coded (None for a gold row not written),
    a gold None for a written row without a label."""
    c = Counter()
    per_type = {t: Counter() for t in PLOVER_TYPES}
    fact_ok = fact_n = fact_all_ok = fact_all_n = 0
    for pred, gold in pairs:
        g_event = bool(gold and gold["event"])
        p_event = bool(pred and pred["is_event"])
        c["ev_tp"] += g_event and p_event
        c["ev_fp"] += p_event and not g_event
        c["ev_fn"] += g_event and not p_event
        g_type = gold["type"] if g_event else None
        p_type = pred["event_type"] if p_event else None
        for t in PLOVER_TYPES:
            per_type[t]["tp"] += g_type == t and p_type == t
            per_type[t]["fp"] += p_type == t and g_type != t
            per_type[t]["fn"] += g_type == t and p_type != t
        if gold and pred:
            fact_all_n += 1
            fact_all_ok += pred["factuality"] == gold["factuality"]
            if g_event:
                fact_n += 1
                fact_ok += pred["factuality"] == gold["factuality"]
        g_coded = bool(gold and is_coded(gold["event"], gold["type"], gold["factuality"],
                                         (pred or gold).get("who")))
        p_coded = bool(pred and pred["coded"])
        c["co_tp"] += g_coded and p_coded
        c["co_fp"] += p_coded and not g_coded
        c["co_fn"] += g_coded and not p_coded
    micro = Counter()
    for t in PLOVER_TYPES:
        micro.update(per_type[t])
    return {
        "eventness": prf(c["ev_tp"], c["ev_fp"], c["ev_fn"]),
        "types": {t: (*prf(v["tp"], v["fp"], v["fn"]), v["tp"] + v["fn"])
                  for t, v in per_type.items()},
        "plover_micro": prf(micro["tp"], micro["fp"], micro["fn"]),
        "factuality_acc": fact_ok / fact_n if fact_n else 0.0,
        "factuality_acc_all_rows": fact_all_ok / fact_all_n if fact_all_n else 0.0,
        "coded": prf(c["co_tp"], c["co_fp"], c["co_fn"]),
        "n_gold_coded": c["co_tp"] + c["co_fn"], "n_pred_coded": c["co_tp"] + c["co_fp"],
    }


def run_pipeline(article_dir: str, out_dir: str, model: Optional[str],
                 extra: Sequence[str] = ()) -> List[dict]:
    from pipeline.cli import main as cli
    from pipeline.ops.tables import read_table

    args = ["--input", os.path.join(article_dir, "*.txt"), "--output", out_dir, *extra]
    if model:
        args += ["--model", model]
    if cli(args) != 0:
        raise SystemExit("the pipeline run failed")
    return read_table(out_dir, "events").to_pylist()


def baseline_predictions(rows: List[dict]) -> List[dict]:
    """The table as it was before the event head: every row an event, typed by
    the similarity typer, negation the only factuality."""
    from bench.event_vectors import attach_context_vectors
    from pipeline.nlp.events.similarity import EventTyper

    typer = EventTyper()
    typed = typer.type_events(attach_context_vectors(
        [dict(r, negated=r["negated"]) for r in rows], typer.word_vectors))
    out = []
    for r, (t, _) in zip(rows, typed):
        fact = "negated" if r["negated"] else "asserted"
        out.append({"is_event": True, "event_type": t, "factuality": fact, "who": r["who"],
                    "coded": bool(t != "OTHER" and not r["negated"] and r["who"])})
    return out


def pairs_for(rows: List[dict], preds: List[dict], gold: Dict[tuple, dict]):
    seen = set()
    pairs = []
    for r, p in zip(rows, preds):
        k = key(r)
        seen.add(k)
        pairs.append((dict(p, who=r["who"]), gold.get(k)))
    missing = [g for k, g in gold.items() if k not in seen]
    pairs += [(None, g) for g in missing]
    return pairs, len(missing), sum(1 for r in rows if key(r) not in gold)


def table(name: str, m: Dict) -> str:
    lines = [f"### {name}", "", "| measure | precision | recall | F1 |", "|---|---|---|---|"]
    for label, v in (("eventness", m["eventness"]), ("PLOVER types, micro (16)", m["plover_micro"]),
                     ("coded events", m["coded"])):
        lines.append(f"| {label} | {v[0]:.3f} | {v[1]:.3f} | {v[2]:.3f} |")
    lines += ["", f"factuality accuracy on gold events: {m['factuality_acc']:.3f} "
              f"(all rows: {m['factuality_acc_all_rows']:.3f}); coded events: "
              f"{m['n_pred_coded']} written, {m['n_gold_coded']} in gold", "",
              "| PLOVER type | precision | recall | F1 | gold events |", "|---|---|---|---|---|"]
    for t, (p, r, f, n) in m["types"].items():
        lines.append(f"| {t} | {p:.3f} | {r:.3f} | {f:.3f} | {n} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--model", default=None)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--cli-args", default="",
                    help="more pipeline flags for the scored run, e.g. '--all-frames --runtime torch' "
                         "(default: none, the pipeline's default set-up)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    gold = {key(r): r for r in load_gold(args.split)}
    with tempfile.TemporaryDirectory() as tmp:
        texts = build(os.path.join(tmp, "all"), args.data_dir)
        arts = os.path.join(tmp, "articles")
        os.makedirs(arts)
        for aid, text in texts.items():
            if split_of(aid) == args.split:
                with open(os.path.join(arts, f"{aid}.txt"), "w", encoding="utf-8") as f:
                    f.write(text)
        rows = run_pipeline(arts, os.path.join(tmp, "out"), args.model, args.cli_args.split())
        # the baseline is the table before the event head: every frame, on torch
        all_rows = (None if args.no_baseline else
                    run_pipeline(arts, os.path.join(tmp, "all"), args.model,
                                 ["--all-frames", "--runtime", "torch"]))
    rows.sort(key=key)
    pairs, missing, unlabelled = pairs_for(rows, rows, gold)
    head = score(pairs)
    print(f"# Coded events on the gold set's {args.split} part: {len({k[0] for k in gold})} "
          f"articles, {len(gold)} labelled rows; {len(rows)} rows written "
          f"({missing} labelled rows not written, {unlabelled} written rows without a label)\n")
    print(table("event head (this checkout" + (f", {args.cli_args}" if args.cli_args else "")
                + ")", head))
    result = {"split": args.split, "head": head}
    if not args.no_baseline:
        all_rows.sort(key=key)
        base = score(pairs_for(all_rows, baseline_predictions(all_rows), gold)[0])
        print()
        print(table("baseline: every row an event, similarity typer, negation only", base))
        result["baseline"] = base
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(f"\nevents_eval split={args.split} coded_p={head['coded'][0]:.3f} "
          f"coded_r={head['coded'][1]:.3f} plover_micro_f1={head['plover_micro'][2]:.3f} "
          f"factuality_acc={head['factuality_acc']:.3f} eventness_f1={head['eventness'][2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
