"""Train the factuality head (``pipeline.nlp.events.factuality_head``).

    python -m pipeline.tagger.train_factuality_head [--cache] [--oof-only]

Examples: every labelled event (``event`` true) of the gold set's dev and
training-only articles (``tests/data/gold/events``), read through the tagger as
the pipeline reads them (``bench.gold_offline.decoded_events``), once for each
runtime in ``--runtimes`` so the head learns the vectors of both. The label is
the row's gold factuality; the input carries the rules' value as a flag, so the
head learns where the rules go wrong. The test articles are never read.

Scored out of fold on the dev articles (two folds by article; the training-only
articles are in both): the rules alone, the head alone, and the head where at
least ``min_prob`` sure else the rules, with ``min_prob`` the value right most
often there (``operating_point.choose_factuality``); a value with fewer than
``--min-examples`` gold examples (denied: 13) is left to the rules wherever they
say it. Then one head is trained on every example and written beside the
tagger's weights with those figures.
"""
from __future__ import annotations

import argparse
import os
import pickle
import time

import numpy as np

from pipeline.nlp.events.factuality import VALUES as FACTS
from pipeline.nlp.events.factuality_head import (FactualityHead, FactualityHeadConfig,
                                                 build_network)
from pipeline.nlp.events.head import N_FLAGS
from pipeline.tagger.operating_point import choose_factuality
from pipeline.tagger.train_event_head import _fold, _lazy_predictor, add_example_arguments


def factuality_examples(predictor, data_dir: str, work: str, articles: int = 0) -> dict:
    """The labelled events of the dev and training-only articles: their contexts
    (sentence vectors, predicate words), event-head features, the rules' and the
    gold factuality, and article ids. ``articles``: only the first this many
    articles of each part (smoke runs)."""
    from bench.gold_offline import labelled_events, load_gold

    parts = [load_gold("dev"), load_gold("train")]
    if articles:
        firsts = [set(sorted({r["article_id"] for r in rows})[:articles]) for rows in parts]
        parts = [[r for r in rows if r["article_id"] in ids]
                 for rows, ids in zip(parts, firsts)]
    pairs = labelled_events(predictor, data_dir, work,
                            [r for rows in parts for r in rows if r["event"]])
    events, labels = [e for e, _ in pairs], [g for _, g in pairs]
    return {"contexts": [e.head_context for e in events],
            "features": np.stack([e.head_features for e in events]).astype(np.float32),
            "rules": np.array([FACTS.index(e.factuality) for e in events], np.int64),
            "gold": np.array([FACTS.index(g["factuality"]) for g in labels], np.int64),
            "articles": [e.article_id for e in events]}


def load_factuality_examples(args, runtime: str) -> dict:
    """``factuality_examples`` for one runtime, cached in ``args.work`` with ``--cache``."""
    os.makedirs(args.work, exist_ok=True)
    sfx = "" if runtime == "torch" else f"_{runtime}"
    path = os.path.join(args.work, f"factuality_layer{args.layer}_{args.articles}{sfx}.pkl")
    if args.cache and os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    examples = factuality_examples(_lazy_predictor(args, runtime)(), args.data_dir,
                                   os.path.join(args.work, "articles"), args.articles)
    with open(path, "wb") as f:
        pickle.dump(examples, f)
    return examples


def joined(parts) -> dict:
    return {k: (np.concatenate([p[k] for p in parts]) if isinstance(parts[0][k], np.ndarray)
                else [x for p in parts for x in p[k]]) for k in parts[0]}


def fit(config: FactualityHeadConfig, ex: dict, rows: np.ndarray, epochs: int, seed: int,
        log=print) -> FactualityHead:
    """A head trained on the examples ``rows`` (cross-entropy, AdamW)."""
    import torch
    from torch import nn

    head = FactualityHead(config, build_network(config, seed))
    inputs = head.inputs([ex["contexts"][i] for i in rows], ex["features"][rows])
    y = torch.from_numpy(ex["gold"][rows])
    net = head.net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for epoch in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for b in range(0, len(y), 64):
            idx = order[b:b + 64]
            loss = nn.functional.cross_entropy(net(*(t[idx] for t in inputs)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        log(f"  epoch {epoch + 1}/{epochs} ({time.time() - t0:.0f}s)")
    head.net.eval()
    return head


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_example_arguments(ap)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0, help="first seed of the ensemble's members")
    ap.add_argument("--members", type=int, default=FactualityHeadConfig.members)
    ap.add_argument("--min-examples", type=int, default=50,
                    help="a value with fewer gold examples than this is left to the rules "
                         "(the head does not override it)")
    ap.add_argument("--dump", help="write the out-of-fold dev predictions here (pickle)")
    ap.add_argument("--articles", type=int, default=0,
                    help="only the first this many dev and training-only articles (smoke runs)")
    ap.add_argument("--oof-only", action="store_true",
                    help="report the out-of-fold figures and stop (no head is written)")
    args = ap.parse_args(argv)

    import torch

    from bench.gold_corpus import split
    from pipeline.tagger import CHECKPOINT_DIR

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    folder = args.model or CHECKPOINT_DIR
    ex = joined([load_factuality_examples(args, rt) for rt in args.runtimes])
    # the event head's features: predicate, who, target and sentence vectors, flags
    dim = (ex["features"].shape[1] - N_FLAGS) // 4
    config = FactualityHeadConfig(layer=args.layer, dim=dim, n_flags=N_FLAGS,
                                  members=args.members)
    on_dev = np.array([split(a) == "dev" for a in ex["articles"]])
    folds = np.array([_fold(a) for a in ex["articles"]])
    print(f"examples: {len(on_dev)} labelled events ({int(on_dev.sum())} of dev articles), "
          f"runtimes {','.join(args.runtimes)}", flush=True)
    oof = np.zeros((len(on_dev), len(FACTS)), np.float32)
    for k in (0, 1):
        held = on_dev & (folds == k)
        head = fit(config, ex, np.flatnonzero(~held), args.epochs, args.seed)
        oof[held] = head.probabilities([ex["contexts"][i] for i in np.flatnonzero(held)],
                                       ex["features"][held])
    # gold examples of each value (an event counts once, whatever its runtimes)
    counts = np.bincount(ex["gold"], minlength=len(FACTS)) // len(args.runtimes)
    config.keep_rules = [v for v, n in zip(FACTS, counts) if n < args.min_examples]
    keep = np.isin(ex["rules"], [FACTS.index(v) for v in config.keep_rules])
    mixed, rules_acc, head_acc, (chosen_acc, min_prob) = choose_factuality(
        oof[on_dev], ex["rules"][on_dev], ex["gold"][on_dev], np.ones(int(on_dev.sum()), bool),
        keep[on_dev])
    print(f"out-of-fold factuality accuracy on dev events: rules {rules_acc:.3f}, head "
          f"{head_acc:.3f}, head where p >= {min_prob} else rules {chosen_acc:.3f} (the rules' "
          f"{', '.join(config.keep_rules) or 'no value'} kept)", flush=True)
    if args.dump:
        with open(args.dump, "wb") as f:
            pickle.dump({"oof": oof[on_dev], "rules": ex["rules"][on_dev], "mixed": mixed,
                         "gold": ex["gold"][on_dev],
                         "articles": [a for a, d in zip(ex["articles"], on_dev) if d]}, f)
    if args.oof_only:
        return 0
    config.min_prob = min_prob
    config.extra = {"runtimes": list(args.runtimes), "epochs": args.epochs, "seed": args.seed,
                    "gold_examples": {v: int(n) for v, n in zip(FACTS, counts)},
                    "dev_events": int(on_dev.sum()),
                    "training_only_events": int((~on_dev).sum()),
                    "oof_factuality_accuracy": {"rules": round(rules_acc, 4),
                                                "head": round(head_acc, 4),
                                                "chosen": round(chosen_acc, 4)}}
    head = fit(config, ex, np.arange(len(on_dev)), args.epochs, args.seed)
    head.config = config
    head.save(folder)
    print(f"wrote {os.path.join(folder, 'factuality_head.safetensors')}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
