"""Event-type accuracy on the labelled sets, and the calibration fit.

    HF_HUB_OFFLINE=1 python -m bench.event_types_eval           # accuracy, dev and test
    HF_HUB_OFFLINE=1 python -m bench.event_types_eval --fit     # refit CALIBRATION on dev
    HF_HUB_OFFLINE=1 python -m bench.event_types_eval --runtime onnx-int8

Every labelled event is typed the way the pipeline types it: its in-context
vector comes from the tagger's forward pass over its sentence
(``Predictor(context_layer=CONTEXT_LAYER, runtime=...)``), pooled over the
words of its who/action/target/object as ``decode`` does
(``bench.event_vectors.attach_context_vectors``).

``tests/data/gold/event_types_dev.jsonl`` (73 events) is the only data the fit
sees: a grid over the weights of the three similarities (step 0.1 on the
simplex) and the OTHER floor, best dev accuracy, ties broken by the lower
negative log-likelihood, then the softmax temperature that minimises the dev
NLL. ``tests/data/gold/event_types_test.jsonl`` (104 events) is only scored.
"""
from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
import os
import sys
from typing import Tuple

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.event_vectors import attach_context_vectors  # noqa: E402
from pipeline.nlp.events.similarity import (ALL_TYPES, CALIBRATION, CONTEXT_LAYER,  # noqa: E402
                                  EventTyper)

GOLD_DIR = os.path.join(ROOT, "tests", "data", "gold")


def load(split: str):
    with open(os.path.join(GOLD_DIR, f"event_types_{split}.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def tagger_word_vectors(runtime: str = "torch", model: str = None, layer: int = CONTEXT_LAYER):
    """word lists -> the tagger's in-context word vectors, as in the pipeline."""
    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.predictor import Predictor

    predictor = Predictor.from_folder(model or CHECKPOINT_DIR, runtime=runtime,
                                      context_layer=layer)
    return lambda sentences: [f.word_vectors for f in predictor.predict(sentences)]


def score(typer: EventTyper, rows):
    preds = typer.type_events(rows)
    acc = sum(p[0] == r["type"] for p, r in zip(preds, rows)) / len(rows)
    return acc, preds


def nll(typer: EventTyper, rows) -> float:
    p, _ = typer.base_types(rows)
    idx = [ALL_TYPES.index(r["type"]) for r in rows]
    return -float(np.mean([math.log(max(p[i, j], 1e-12)) for i, j in enumerate(idx)]))


def fit(typer: EventTyper, dev):
    texts_only = [r for r in dev if not r["negated"]]  # the NLL of the base typing
    best = None
    grid = [x / 10 for x in range(11)]
    for wp, wk in itertools.product(grid, grid):
        wl = round(1 - wp - wk, 3)
        if wl < -1e-9:
            continue
        for floor in [0.0] + [x / 100 for x in range(20, 62, 2)]:
            typer.calibration = dict(CALIBRATION, w_proto=wp, w_knn=wk, w_lemma=wl,
                                     other_floor=floor, temperature=0.05)
            acc, _ = score(typer, dev)
            if best is None or acc > best[0] - 1e-9:
                n = nll(typer, texts_only)
                key = (round(acc, 6), -n)
                if best is None or key > best[1]:
                    best = (acc, key, dict(typer.calibration))
    cal = best[2]
    best_t = None
    for t in [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2]:
        typer.calibration = dict(cal, temperature=t)
        n = nll(typer, texts_only)
        if best_t is None or n < best_t[0]:
            best_t = (n, t)
    cal["temperature"] = best_t[1]
    typer.calibration = cal
    return cal


def report(typer, name, rows, show_errors=False):
    acc, preds = score(typer, rows)
    print(f"{name}: accuracy {acc:.3f} ({sum(p[0] == r['type'] for p, r in zip(preds, rows))}/{len(rows)})")
    per = collections.defaultdict(lambda: [0, 0])
    for p, r in zip(preds, rows):
        per[r["type"]][0] += p[0] == r["type"]
        per[r["type"]][1] += 1
    print("   " + "  ".join(f"{t}:{c}/{n}" for t, (c, n) in sorted(per.items())))
    if show_errors:
        for p, r in zip(preds, rows):
            if p[0] != r["type"]:
                print(f"   - {r['id']} gold {r['type']:9} got {p[0]:9} {p[1]:.2f}  "
                      f"{r['who']} | {r['action']} | {r['target']} | {r['object']} | neg={r['negated']}")
    return acc


#: The balanced sets fold negation into the type (the old typer's convention, see
#: ``similarity.py``, Negation): a negated REJECT ("does not rule out") is THREATEN,
#: a negated AGREE or SUPPORT ("will not accept") is REJECT, any other negated event
#: OTHER. (The old typer's exception, a negated REJECT of a clearly cooperative act,
#: has no row in either set.) The pipeline keeps them apart: ``event_type`` types
#: the predicate and ``negated``/``factuality`` say it did not happen.
NEGATED_AS = {"REJECT": "THREATEN", "AGREE": "REJECT", "SUPPORT": "REJECT"}


def balanced_reading(is_event: bool, event_type: str, negated: bool) -> str:
    """What a pipeline row says in the balanced sets' one-type convention: OTHER
    for a row that is not an event (as ``bench.events_eval`` and the gold guide
    read it), negation folded in as ``NEGATED_AS`` says. ``negated``: the row says
    the event did not happen (its ``negated`` flag or factuality ``negated``: "no
    one has offered" has no NEG argument; the sets' ``negated`` label covers both)."""
    if not is_event:
        return "OTHER"
    return NEGATED_AS.get(event_type, "OTHER") if negated else event_type


def head_accuracy(rows, model=None) -> Tuple[float, float]:
    """The event head (the pipeline's typer now) on these labelled events: each
    sentence through the real tagger and decode, the row of the labelled action
    (``gold_offline.labelled_event``) classified by the head. Two readings:
    the row in the set's convention (``balanced_reading``), and the head's type
    alone (the figure reported before session 16). A labelled event with no such
    row counts as wrong in both."""
    from bench.gold_offline import decoded_events, labelled_event
    from pipeline.nlp.events.head import EventHead, EventHeadConfig
    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.predictor import Predictor

    folder = model or CHECKPOINT_DIR
    head = EventHead.load(folder)
    pr = Predictor.from_folder(folder, context_layer=EventHeadConfig.load(folder).layer)
    read = alone = 0
    for i, r in enumerate(rows):
        ev = labelled_event(decoded_events({f"e{i}": r["sentence"]}, pr), r["action"])
        if ev is None:
            continue
        is_event, _, etype, _, fact = head.classify(ev.head_features[None, :], [ev.head_context])[0]
        negated = ev.negated or (fact or ev.factuality) == "negated"
        read += balanced_reading(is_event, etype, negated) == r["type"]
        alone += etype == r["type"]
    return read / len(rows), alone / len(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="refit the calibration on dev and print it")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--runtime", choices=["torch", "onnx", "onnx-int8"], default="torch",
                    help="what runs the typer's encoder (the accuracy cost of the fast path)")
    ap.add_argument("--model", default=None,
                    help="tagger folder (default: the packaged checkpoint)")
    ap.add_argument("--head", action="store_true",
                    help="score the event head (the pipeline's typer) instead of the similarity typer")
    ap.add_argument("--layer", type=int, default=CONTEXT_LAYER,
                    help="encoder layer whose vectors type events (default: CONTEXT_LAYER)")
    args = ap.parse_args(argv)
    if args.head:
        for split in ("dev", "test"):
            read, alone = head_accuracy(load(split), args.model)
            print(f"event head, {split}: accuracy {read:.3f} (rows read in the set's "
                  f"convention); the head's type alone {alone:.3f}")
        return
    typer = EventTyper(model_dir=args.model, layer=args.layer)
    vectors = tagger_word_vectors(args.runtime, args.model, args.layer)
    dev, test = (attach_context_vectors(load(s), vectors) for s in ("dev", "test"))
    if args.fit:
        cal = fit(typer, dev)
        print("CALIBRATION =", json.dumps({k: round(v, 4) for k, v in cal.items()}))
    report(typer, "dev ", dev, args.show_errors)
    report(typer, "test", test, args.show_errors)


if __name__ == "__main__":
    main()
