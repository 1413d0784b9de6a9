"""Score the tagger: ``python -m pipeline.tagger.evaluate [--model DIR]`` (``make eval``).

Held-out sets, never trained on:
* Universal Propositions English-EWT **test** (all genres). ``pred_f1``: predicate
  identification (aux/cop excluded from gold, see ``data``). ``arg_f1``: argument
  spans, exact match, micro over the folded labels, V excluded, *end to end* — an
  argument of a missed predicate counts as missed, one of a spurious predicate as
  wrong. ``head_f1``: the same, an argument counted right when its label and head
  word are right (the native UP measure; a predicted span's head is its word whose
  UD parent lies outside the span).
* MASC ``written/newspaper`` documents: ``news_arg_f1``, argument span F1 given the
  gold predicates.

The last line printed is
``heldout pred_f1=0.xxx arg_f1=0.xxx head_f1=0.xxx news_arg_f1=0.xxx``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from typing import Dict, List, Optional, Sequence, Set, Tuple

from . import CHECKPOINT_DIR
from . import labels as L
from .data import Example, load_heldout, spans

DEFAULT_MODEL = CHECKPOINT_DIR
REPORT_LABELS = ["ARG0", "ARG1", "ARG2", "ARG3", "ARG4", "ARGM-TMP", "ARGM-LOC",
                 "ARGM-NEG", "ARGM-MOD", "ARGM-OTHER"]


class Counts:
    def __init__(self):
        self.tp, self.fp, self.fn = Counter(), Counter(), Counter()

    def add(self, gold: Set[Tuple], pred: Set[Tuple]) -> None:
        """Items are tuples whose last element is the label."""
        for x in pred & gold:
            self.tp[x[-1]] += 1
        for x in pred - gold:
            self.fp[x[-1]] += 1
        for x in gold - pred:
            self.fn[x[-1]] += 1

    @staticmethod
    def _f(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def label(self, lbl):
        return self._f(self.tp[lbl], self.fp[lbl], self.fn[lbl])

    def micro(self):
        return self._f(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))


def _span_head(s: int, e: int, parents: Sequence[int]) -> int:
    for i in range(s, e + 1):
        if not (s <= parents[i] <= e):
            return i
    return s


def _gold_args(ex: Example, with_heads: bool):
    spans_, heads = set(), set()
    for fr in ex.frames:
        for lbl, s, e in spans(fr.tags):
            if lbl != "V":
                spans_.add((fr.pred_idx, s, e, lbl))
        if with_heads:
            for lbl, h in fr.heads:
                heads.add((fr.pred_idx, h, lbl))
    return spans_, heads


def score(predictor, examples: List[Example], gold_predicates: bool,
          with_heads: bool = False) -> Dict:
    sents = [e.words for e in examples]
    gold_p = [[fr.pred_idx for fr in e.frames] for e in examples] if gold_predicates else None
    t0 = time.time()
    results = predictor.predict(sents, gold_predicates=gold_p)
    elapsed = time.time() - t0
    args, heads, preds, funcs = Counts(), Counts(), Counts(), Counter()
    for ex, res in zip(examples, results):
        g_spans, g_heads = _gold_args(ex, with_heads)
        p_spans = {(f.pred_idx, a.start, a.end, a.label) for f in res.frames for a in f.arguments}
        args.add(g_spans, p_spans)
        if with_heads and ex.parents is not None:
            p_heads = {(f.pred_idx, _span_head(a.start, a.end, ex.parents), a.label)
                       for f in res.frames for a in f.arguments}
            heads.add(g_heads, p_heads)
        if ex.pred_labels is not None:
            gold_set = {(i, "P") for i, v in enumerate(ex.pred_labels) if v == 1}
            preds.add(gold_set, {(f.pred_idx, "P") for f in res.frames})
        # function accuracy on arguments whose span and label are right
        gold_fn = {}
        for fr in ex.frames:
            for lbl, s, e in spans(fr.tags):
                if L.is_numbered(lbl) and fr.functions[s] is not None:
                    gold_fn[(fr.pred_idx, s, e, lbl)] = fr.functions[s]
        for f in res.frames:
            for a in f.arguments:
                key = (f.pred_idx, a.start, a.end, a.label)
                if key in gold_fn:
                    funcs["n"] += 1
                    funcs["ok"] += int(gold_fn[key] == a.function)
    return {
        "arg": args, "head": heads, "pred": preds,
        "arg_f1": args.micro()[2], "head_f1": heads.micro()[2] if with_heads else None,
        "pred_f1": preds.micro()[2] if sum(preds.tp.values()) + sum(preds.fn.values()) else None,
        "func_acc": funcs["ok"] / funcs["n"] if funcs["n"] else 0.0,
        "sentences_per_s": len(examples) / elapsed if elapsed else 0.0,
    }


def score_examples(model, tokenizer, examples: List[Example], device="cpu") -> Dict:
    """Dev score during training: predicates from the predicate head on UP
    sentences, arguments given gold predicates on all sentences."""
    from .predictor import Predictor

    pr = Predictor(model, tokenizer, device=str(device), batch_size=64)
    m_args = score(pr, examples, gold_predicates=True)
    ewt = [e for e in examples if e.pred_labels is not None]
    m_pred = score(pr, ewt, gold_predicates=False) if ewt else {"pred_f1": 0.0}
    model.train()
    return {"arg_f1": m_args["arg_f1"], "pred_f1": m_pred["pred_f1"] or 0.0,
            "func_acc": m_args["func_acc"]}


def table(counts: Counts, labels: Sequence[str]) -> str:
    rows = ["| label | precision | recall | F1 | gold |", "|---|---|---|---|---|"]
    for lbl in labels:
        p, r, f = counts.label(lbl)
        rows.append(f"| {lbl} | {p:.3f} | {r:.3f} | {f:.3f} | {counts.tp[lbl] + counts.fn[lbl]} |")
    p, r, f = counts.micro()
    rows.append(f"| micro | {p:.3f} | {r:.3f} | {f:.3f} | "
                f"{sum(counts.tp.values()) + sum(counts.fn.values())} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEFAULT_MODEL, help="model folder (default: the committed one)")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--json", help="also write the metrics here")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N sentences of each set")
    ap.add_argument("--runtime", choices=["torch", "onnx", "onnx-int8"], default="torch",
                    help="encoder runtime (default: torch)")
    args = ap.parse_args(argv)

    import torch

    from .predictor import Predictor

    torch.manual_seed(0)
    pr = Predictor.from_folder(args.model, runtime=args.runtime)
    ewt, news = load_heldout(args.data_dir)
    if args.limit:
        ewt, news = ewt[: args.limit], news[: args.limit]
    e2e = score(pr, ewt, gold_predicates=False, with_heads=True)
    gp = score(pr, ewt, gold_predicates=True, with_heads=True)
    nw = score(pr, news, gold_predicates=True)
    print(f"# {pr.name} on held-out data\n")
    print("## UP English-EWT test, end to end (predicted predicates): argument spans\n")
    print(table(e2e["arg"], REPORT_LABELS))
    print("\n## UP English-EWT test, end to end: argument heads (native UP measure)\n")
    print(table(e2e["head"], REPORT_LABELS))
    print("\n## MASC newspaper, gold predicates: argument spans\n")
    print(table(nw["arg"], REPORT_LABELS))
    print(f"\npredicate identification (EWT test): P/R/F1 = "
          + "/".join(f"{x:.3f}" for x in e2e["pred"].micro()))
    print(f"EWT test with gold predicates: arg_f1={gp['arg_f1']:.3f} head_f1={gp['head_f1']:.3f}")
    print(f"function accuracy on correct numbered arguments: EWT {e2e['func_acc']:.3f}, "
          f"news {nw['func_acc']:.3f}")
    print(f"speed: {e2e['sentences_per_s']:.1f} sentences/s (EWT test, batch {pr.batch_size}, this machine)")
    metrics = {"pred_f1": e2e["pred_f1"], "arg_f1": e2e["arg_f1"], "head_f1": e2e["head_f1"],
               "news_arg_f1": nw["arg_f1"], "gold_pred_arg_f1": gp["arg_f1"],
               "gold_pred_head_f1": gp["head_f1"], "func_acc_ewt": e2e["func_acc"],
               "func_acc_news": nw["func_acc"], "sentences_per_s": e2e["sentences_per_s"]}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(metrics, f, indent=1)
    print(f"heldout pred_f1={e2e['pred_f1']:.3f} arg_f1={e2e['arg_f1']:.3f} "
          f"head_f1={e2e['head_f1']:.3f} news_arg_f1={nw['arg_f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
