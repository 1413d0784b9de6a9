"""Train the frame gate: ``python -m pipeline.tagger.train_frame_gate [--model DIR] [--cache]``.

Writes ``frame_gate.safetensors`` + ``frame_gate.json`` into the tagger folder
(default: the packaged checkpoint), beside the event head. The gate
(``pipeline.nlp.events.gate``) sees only two slices of the head's features:
the predicate's vector and the sentence's mean vector at the encoder layer the
head reads. Its label is the head's event label.

Examples, the same as the event head's and from the same cache files (``--work``,
``--cache``: ``train_event_head --cache`` and this script share them), with the
features of each of ``--runtimes`` (default torch and onnx-int8), joined:

* distant supervision on the tagger's training predicates (``distant_examples``);
* the labelled rows of the gold set's dev and training-only articles
  (``gold_examples``), weighted up (``--gold-weight``);
* the typed events of the balanced dev set (``balanced_examples``), weighted as
  gold rows (``--no-balanced-dev`` leaves them out).

The gold set's test articles are never read. From scratch the features take
about 6 minutes on one CPU thread (they run the tagger over the training
corpora); with ``--cache``, training takes about a minute.

The threshold is chosen out of fold on the dev articles (two folds by article,
``train_event_head._fold``: a gate trained on everything but one fold's dev
articles scores that fold): the largest one at which the gate keeps at least
``MIN_RECALL`` of the dev rows that are gold events and of those that are gold
coded events (``is_coded``, as ``choose_thresholds`` counts them). Every gold
event the gate drops is lost to the pipeline, so recall sets the threshold and
the work saved is what is left over ("rows": the labelled rows the pipeline
writes for the dev articles). The model form (logistic regression or a
one-hidden-layer network, each an average of ``--members`` seeds) is picked the
same way: the most dev rows rejected at that recall. The final gate is then
trained on all of it, and the figures and provenance go into the JSON's ``extra``.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Dict, List, Tuple

import numpy as np

from pipeline.nlp.events.gate import FrameGate, GateConfig, gate_inputs
from pipeline.nlp.events.head import N_FLAGS, is_coded
from pipeline.tagger.train_event_head import _fold, add_example_arguments, examples_of_runtimes

#: Out-of-fold recall the threshold must keep, of gold events and of gold coded events
MIN_RECALL = 0.98

#: Model forms tried (hidden units of each member; 0: logistic regression), the one
#: that rejects the most dev rows out of fold at the recall kept
FORMS = (0, 32, 64)


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, hidden: int, epochs: int,
        seed: int = 0) -> Dict[str, np.ndarray]:
    """A gate's parameters (NumPy, the layout ``FrameGate`` reads) trained by weighted
    binary cross-entropy with AdamW. The inputs are standardized for training, and
    the standardization is folded into the first layer, so inference is one or two
    matrix products on the raw vectors."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    mean, std = X.mean(0), X.std(0) + 1e-4
    Xt = torch.from_numpy(((X - mean) / std).astype(np.float32))
    yt, wt = torch.from_numpy(y.astype(np.float32)), torch.from_numpy(w.astype(np.float32))
    if hidden:
        net = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.ReLU(), nn.Dropout(0.2),
                            nn.Linear(hidden, 1))
    else:
        net = nn.Sequential(nn.Linear(X.shape[1], 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.05 if hidden else 0.01)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        net.train()
        for b in np.array_split(rng.permutation(len(X)), max(1, len(X) // 256)):
            b = torch.from_numpy(b)
            loss = (wt[b] * bce(net(Xt[b]).squeeze(-1), yt[b])).sum() / wt[b].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    layers = [m for m in net if isinstance(m, nn.Linear)]
    first_w = layers[0].weight.detach().numpy().astype(np.float64)  # out x in
    first_b = layers[0].bias.detach().numpy().astype(np.float64)
    # W (x - m) / s + b  ==  (W / s) x + (b - W (m / s))
    folded_w = first_w / std
    folded_b = first_b - first_w @ (mean / std)
    if hidden:
        return {"hidden.weight": folded_w.T.astype(np.float32),  # in x hidden
                "hidden.bias": folded_b.astype(np.float32),
                "out.weight": layers[1].weight.detach().numpy()[0].astype(np.float32),
                "out.bias": layers[1].bias.detach().numpy().astype(np.float32)}
    return {"out.weight": folded_w[0].astype(np.float32),
            "out.bias": folded_b.astype(np.float32)}


def fit_members(X: np.ndarray, y: np.ndarray, w: np.ndarray, hidden: int, epochs: int,
                members: int) -> Dict[str, np.ndarray]:
    """``members`` gates (seeds 0, 1, ...) whose logits are averaged, merged into one
    network of the same form: the threshold sits in the far tail of the events'
    scores, where one network's seed moves the rows rejected at 0.98 recall by
    several points out of fold; the average is steadier. Averaging logits is
    exact in one network: the members' hidden units side by side
    (``members * hidden``) and their output weights divided by ``members``
    (for logistic regressions, simply the mean weights)."""
    ps = [fit(X, y, w, hidden, epochs, seed) for seed in range(members)]
    merged = {"out.bias": np.mean([p["out.bias"] for p in ps], 0)}
    if not hidden:
        merged["out.weight"] = np.mean([p["out.weight"] for p in ps], 0)
        return merged
    merged["hidden.weight"] = np.concatenate([p["hidden.weight"] for p in ps], 1)
    merged["hidden.bias"] = np.concatenate([p["hidden.bias"] for p in ps])
    merged["out.weight"] = np.concatenate([p["out.weight"] for p in ps]) / members
    return merged


def recall(keep: np.ndarray, gold: np.ndarray) -> float:
    return float(keep[gold].mean()) if gold.any() else 1.0


def choose_threshold(p: np.ndarray, events: np.ndarray, coded: np.ndarray,
                     min_recall: float = MIN_RECALL) -> float:
    """The largest threshold (of the scores themselves, so no gap between candidates
    hides a better one) at which both recalls are at least ``min_recall``."""
    for th in np.unique(p)[::-1]:
        keep = p >= th
        if recall(keep, events) >= min_recall and recall(keep, coded) >= min_recall:
            return float(th)
    return 0.0


def figures(p: np.ndarray, th: float, events: np.ndarray, coded: np.ndarray) -> Dict[str, float]:
    keep = p >= th
    return {"rejected_share": round(float(1 - keep.mean()), 4),
            "event_recall": round(recall(keep, events), 4),
            "coded_recall": round(recall(keep, coded), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_example_arguments(ap)
    ap.add_argument("--gold-weight", type=float, default=16.0)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--members", type=int, default=3, help="networks averaged (seeds)")
    args = ap.parse_args(argv)

    import torch

    from bench.gold_corpus import split
    from pipeline.tagger import CHECKPOINT_DIR

    # one thread: the machine is shared, and two threads spin against other processes
    torch.set_num_threads(1)
    t0 = time.time()
    folder = args.model or CHECKPOINT_DIR
    (Xd, ed, _), gold, (Xb, eb, _) = examples_of_runtimes(args)
    Xg, eg, _, arts, gold_rows, pipe_rows, _ = gold
    # the head's features are [pred, who, target, sent] (dim each) and N_FLAGS flags
    dim = (Xd.shape[1] - N_FLAGS) // 4
    Gd, Gg, Gb = (gate_inputs(X, dim) for X in (Xd, Xg, Xb))
    print(f"examples: {len(Xd)} distant ({int(ed.sum())} events), {len(Xb)} balanced dev, "
          f"{len(Xg)} labelled gold rows ({int(eg.sum())} events); features {Gd.shape[1]} "
          f"({time.time() - t0:.0f}s)", flush=True)

    on_dev = np.array([split(a) == "dev" for a in arts])
    folds = np.array([_fold(a) for a in arts])
    ev = eg > 0.5
    coded = np.array([is_coded(g["event"], g["type"], g["factuality"], r.get("who"))
                      for g, r in zip(gold_rows, pipe_rows)])
    base_X = np.concatenate([Gd, Gb])
    base_y = np.concatenate([ed, eb])
    base_w = np.concatenate([np.ones(len(Gd)), np.full(len(Gb), args.gold_weight)])

    results: List[Tuple[float, int, float, Dict, np.ndarray]] = []
    for hidden in FORMS:
        oof = np.zeros(len(Gg))
        for k in (0, 1):
            # training-only articles and the other fold's dev articles train; this fold scores
            tr = (folds != k) | ~on_dev
            params = fit_members(np.concatenate([base_X, Gg[tr]]),
                                 np.concatenate([base_y, eg[tr]]),
                                 np.concatenate([base_w, np.full(int(tr.sum()), args.gold_weight)]),
                                 hidden, args.epochs, args.members)
            sc = on_dev & (folds == k)
            oof[sc] = FrameGate(GateConfig(layer=args.layer, dim=dim, hidden=hidden * args.members),
                                params).score_inputs(Gg[sc])
        p, e, c = oof[on_dev], ev[on_dev], coded[on_dev]
        th = choose_threshold(p, e, c)
        fig = figures(p, th, e, c)
        results.append((fig["rejected_share"], hidden, th, fig, p))
        print(f"hidden {hidden} x {args.members} members: out-of-fold on {int(on_dev.sum())} "
              f"dev rows ({int(e.sum())} events, {int(c.sum())} coded): threshold {th:.4f} "
              f"rejects {fig['rejected_share']:.3f} of rows, event recall "
              f"{fig['event_recall']:.3f}, coded recall {fig['coded_recall']:.3f} "
              f"({time.time() - t0:.0f}s)", flush=True)
    # the most work saved; of equals, the smaller gate
    _, hidden, th, fig, p = max(results, key=lambda r: (r[0], -r[1]))
    e, c = ev[on_dev], coded[on_dev]
    # the threshold event recall alone would have set (coded recall may lower it), for the record
    th_events = choose_threshold(p, e, np.zeros_like(c))
    print(f"chosen: hidden {hidden} x {args.members} members, threshold {th:.4f} "
          f"(event recall alone: {th_events:.4f})", flush=True)

    params = fit_members(np.concatenate([base_X, Gg]), np.concatenate([base_y, eg]),
                         np.concatenate([base_w, np.full(len(Gg), args.gold_weight)]), hidden,
                         args.epochs, args.members)
    config = GateConfig(layer=args.layer, dim=dim, hidden=hidden * args.members,
                        threshold=float(th))
    config.extra = {
        "oof_dev": dict(fig, rows=int(on_dev.sum()), events=int(e.sum()), coded=int(c.sum())),
        "oof_forms": {f"{h}x{args.members}": dict(f, threshold=t) for _, h, t, f, _ in results},
        "threshold_rule": f"largest with out-of-fold dev recall >= {MIN_RECALL} of gold events "
                          f"and of gold coded events",
        "threshold_events_only": th_events,
        "distant_frames": int(len(Xd)), "balanced_dev_events": int(len(Xb)),
        "runtimes": list(args.runtimes),
        "gold_dev_rows": int(on_dev.sum()), "gold_training_only_rows": int((~on_dev).sum()),
        "training_examples": int(len(base_X) + len(Gg)),
        "gold_weight": args.gold_weight, "epochs": args.epochs,
        "members": args.members, "member_hidden": hidden,
        "training_seconds": round(time.time() - t0),  # with the features, when not cached
        "inputs": "concat(word vector of the predicate, mean word vector of the sentence)",
        "trained_by": "python -m pipeline.tagger.train_frame_gate",
    }
    gate = FrameGate(config, params)
    gate.save(folder)
    print(f"frame gate written to {folder} ({time.time() - t0:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
