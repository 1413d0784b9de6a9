"""Train the event head: ``python -m pipeline.tagger.train_event_head [--model DIR] [--layer N]``.

Writes ``event_head.safetensors`` + ``event_head.json`` into the tagger folder
(default: the packaged checkpoint), so the head travels with the encoder whose
vectors it reads. Two sources of labels:

* **Distant supervision** on every training predicate of the tagger's corpora
  (UP English-EWT dev and the train-split prefix, MASC outside
  ``written/newspaper``, the PropBank frame-file examples). Each carries a
  PropBank roleset, which ``pipeline/tagger/plover_rolesets.tsv`` (a reviewed
  table, see ``PLOVER_ROLESETS.md``) maps to a PLOVER type or OTHER and to an
  event class (occurrence, or state / light / aspectual / reporting: not
  countable). The frames are the tagger's own, read with the gold predicates,
  and the features are the ones ``decode`` builds in the pipeline.
* **The dev part of the coded-events gold set** (``tests/data/gold``, articles
  whose ``bench.gold_corpus.split`` is dev), every row the pipeline writes for
  them, weighted up (``--gold-weight``): the real distribution.
* **The typed events of the old typer's balanced dev set**
  (``tests/data/gold/event_types_dev.jsonl``, one picked event a sentence),
  weighted as gold rows (``--no-balanced-dev`` leaves them out), and scored out
  of fold in two folds of their own.

Held out and never read: the gold set's test articles, the balanced test set, the tagger's held-out
corpora (UP test, MASC newspaper), PLOVER's and WikiEvents' records.

The event threshold and the type temperature are chosen on out-of-fold
predictions for the dev articles (two folds by article: a head trained on the
distant data and the other fold scores this fold), so no dev row is scored by a
head that saw it; the final head is then trained on all of it.
``--factuality-only`` keeps the folder's head and replaces only its factuality
sub-network and settings (``EventHead.with_factuality_of``): for new factuality
rules or labels, without moving the event and type outputs.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from typing import Dict, Tuple

import numpy as np

from pipeline.nlp.events.head import (N_FLAGS, TYPES, EventHead, EventHeadConfig,
                                      build_network, softmax)
from pipeline.nlp.events.factuality import VALUES as FACTS
from pipeline.tagger.operating_point import choose_factuality, choose_temperature, choose_thresholds

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plover_rolesets.tsv")


def load_table(path: str = TABLE) -> Dict[str, Tuple[str, str]]:
    """roleset -> (PLOVER type or OTHER, event class)."""
    with open(path, encoding="utf-8") as f:
        return {r["roleset"]: (r["plover"], r["event_class"])
                for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def _sentence(words, idx: int):
    from pipeline.records import Sentence

    starts, ends, pos = [], [], 0
    for w in words:
        starts.append(pos)
        ends.append(pos + len(w))
        pos += len(w) + 1
    return Sentence("train", idx, 0, pos - 1, " ".join(words), tuple(words), tuple(starts),
                    tuple(ends))


def features_at(predictor, sentences, log=print, what: str = "distant"):
    """The head's features of given predicates: ``sentences`` is a list of (words,
    predicate word indices); yields, per sentence, {predicate index: features} for
    those the tagger's frames decode to an event record (the features ``decode``
    builds in the pipeline)."""
    from pipeline.nlp.events.frames import decode_sentence

    t0 = time.time()
    for k in range(0, len(sentences), 512):
        chunk = sentences[k:k + 512]
        results = predictor.predict([w for w, _ in chunk], gold_predicates=[p for _, p in chunk])
        for n, ((words, _), res) in enumerate(zip(chunk, results)):
            sent = _sentence(words, k + n)
            start_to_idx = {s: i for i, s in enumerate(sent.word_starts)}
            yield {start_to_idx[e.action_start]: e.head_features
                   for e in decode_sentence(sent, res, "train")
                   if e.head_features is not None and e.action_start in start_to_idx}
        log(f"{what}: {min(k + 512, len(sentences))}/{len(sentences)} sentences "
            f"({time.time() - t0:.0f}s)")


def distant_examples(data_dir: str, predictor, table, limit: int = 0, log=print):
    """(features, event label, type label) for every training predicate with an argument."""
    from pipeline.tagger.data import load_training

    train, dev = load_training(data_dir, sources=("ewt", "ewt-train", "masc", "frames"))
    exs = [e for e in train + dev if e.frames]
    if limit:
        exs = exs[:limit]
    X, ev, ty = [], [], []
    sentences = [(e.words, [f.pred_idx for f in e.frames]) for e in exs]
    for ex, feats in zip(exs, features_at(predictor, sentences, log)):
        for f in ex.frames:
            if f.pred_idx not in feats or f.roleset is None:
                continue
            plover, cls = table.get(f.roleset, ("OTHER", "occurrence"))
            X.append(feats[f.pred_idx])
            ev.append(1.0 if cls == "occurrence" else 0.0)
            ty.append(TYPES.index(plover) if plover in TYPES else TYPES.index("OTHER"))
    return np.stack(X).astype(np.float32), np.array(ev, np.float32), np.array(ty, np.int64)


def gold_examples(predictor, data_dir: str, work: str):
    """(features, event, type, article ids, gold rows, pipeline rows) for the labelled
    rows of the gold set's dev articles and of its training-only articles."""
    from bench.gold_offline import event_row, labelled_events, load_gold

    pairs = labelled_events(predictor, data_dir, work,
                            [r for r in load_gold("dev") + load_gold("train")
                             if r["event"] is not None])
    events = [e for e, _ in pairs]
    rows = [event_row(e) for e in events]
    g = [x for _, x in pairs]
    X = np.stack([e.head_features for e in events]).astype(np.float32)
    return (X, np.array([float(x["event"]) for x in g], np.float32),
            np.array([TYPES.index(x["type"]) for x in g], np.int64),
            [r["article_id"] for r in rows], g, rows,
            np.array([FACTS.index(x["factuality"]) for x in g], np.int64))


#: The old similarity typer's balanced dev set: picked sentences, one labelled event each.
BALANCED_DEV = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tests", "data", "gold", "event_types_dev.jsonl")


def balanced_examples(predictor, path: str = BALANCED_DEV):
    """(features, event, type) for the typed events of the balanced dev set. Left
    out: its OTHER rows (they say nothing about eventness) and its negated rows
    (their label folds negation into the type, "will not accept" REJECT, where the
    head types the predicate). Its test part is never read."""
    import json

    from bench.gold_offline import decoded_events, labelled_event

    X, ty = [], []
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for i, r in enumerate(rows):
        if r["type"] not in TYPES or r["type"] == "OTHER" or r["negated"]:
            continue
        found = labelled_event(decoded_events({f"b{i}": r["sentence"]}, predictor), r["action"])
        if found is not None:
            X.append(found.head_features)
            ty.append(TYPES.index(r["type"]))
    return (np.stack(X).astype(np.float32), np.ones(len(X), np.float32),
            np.array(ty, np.int64))


def _cached_arrays(path: str, use_cache: bool, compute):
    """The arrays ``compute()`` returns, stored in (or read back from) ``path``."""
    if use_cache and os.path.exists(path):
        z = np.load(path)
        return tuple(z[f"a{k}"] for k in range(len(z.files)))
    arrays = compute()
    np.savez(path, **{f"a{k}": a for k, a in enumerate(arrays)})
    return arrays


def load_examples(args, runtime: str = "torch"):
    """All three kinds of examples with the features of one ``runtime`` of the
    tagger: ``(Xd, ed, td)`` distant, the tuple of ``gold_examples``, ``(Xb, eb,
    tb)`` of the balanced dev set (empty without ``args.balanced_dev``). Read from
    (or written to) cache files in ``args.work`` with ``args.cache``; the frame
    gate's trainer reads the same ones. The predictor loads only when something
    must be computed."""
    import pickle

    os.makedirs(args.work, exist_ok=True)
    sfx = "" if runtime == "torch" else f"_{runtime}"
    predictor = _lazy_predictor(args, runtime)
    distant = _cached_arrays(
        os.path.join(args.work, f"distant_layer{args.layer}_{args.limit}{sfx}.npz"), args.cache,
        lambda: distant_examples(args.data_dir, predictor(), load_table(), args.limit))
    gcache = os.path.join(args.work, f"gold_layer{args.layer}{sfx}.pkl")
    if args.cache and os.path.exists(gcache):
        with open(gcache, "rb") as f:
            gold = pickle.load(f)
    else:
        gold = gold_examples(predictor(), args.data_dir, os.path.join(args.work, "articles"))
        with open(gcache, "wb") as f:
            pickle.dump(gold, f)
    if not args.balanced_dev:
        return distant, gold, (np.zeros((0, distant[0].shape[1]), np.float32),
                               np.zeros(0, np.float32), np.zeros(0, np.int64))
    balanced = _cached_arrays(
        os.path.join(args.work, f"balanced_layer{args.layer}{sfx}.npz"), args.cache,
        lambda: balanced_examples(predictor()))
    return distant, gold, balanced


def _lazy_predictor(args, runtime: str):
    """A function that loads the tagger on its first call (cached features need none)."""
    loaded = []

    def get():
        if not loaded:
            from pipeline.tagger import CHECKPOINT_DIR
            from pipeline.tagger.predictor import Predictor

            loaded.append(Predictor.from_folder(args.model or CHECKPOINT_DIR,
                                                context_layer=args.layer, runtime=runtime))
        return loaded[0]
    return get


def examples_of_runtimes(args, log=print):
    """``load_examples`` for each of ``args.runtimes``, joined: the head (and the
    gate) learn the features of every runtime they run on, so the int8 path's
    slightly different vectors are no distribution shift (a head trained on
    torch's alone lost 2 points of PLOVER micro F1 on int8)."""
    parts = [load_examples(args, rt) for rt in args.runtimes]
    for rt, (d, g, b) in zip(args.runtimes, parts):
        log(f"{rt}: {len(d[0])} distant frames, {len(g[0])} gold rows, {len(b[0])} balanced events")
    distant = tuple(_join([p[0][k] for p in parts]) for k in range(3))
    gold = tuple(_join([p[1][k] for p in parts]) for k in range(7))
    balanced = tuple(_join([p[2][k] for p in parts]) for k in range(3))
    return distant, gold, balanced


def _join(parts):
    return (np.concatenate(parts) if isinstance(parts[0], np.ndarray)
            else [x for part in parts for x in part])


def add_example_arguments(ap) -> None:
    """The options of ``load_examples`` (both trainers take them)."""
    ap.add_argument("--model", default=None, help="tagger folder (default: the packaged checkpoint)")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--layer", type=int, default=4)
    ap.add_argument("--limit", type=int, default=0, help="distant sentences (smoke runs)")
    ap.add_argument("--work", default="/tmp/newsevents-event-head", help="scratch folder")
    ap.add_argument("--cache", action="store_true", help="reuse the features cached in --work")
    ap.add_argument("--runtimes", default="torch,onnx-int8",
                    type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
                    help="the tagger runtimes whose features are learned, joined (default "
                         "torch,onnx-int8: the pipeline runs on both)")
    ap.add_argument("--no-balanced-dev", dest="balanced_dev", action="store_false",
                    help="leave out the balanced dev set's typed events")


def fit(config: EventHeadConfig, X, ev, ty, w, epochs: int = 12, seed: int = 0,
        type_w=None, fa=None):
    """A head trained on these examples (weighted cross-entropies, AdamW);
    ``fa``: the factuality label per row (-1: none)."""
    import torch

    torch.manual_seed(seed)
    net = build_network(config, seed)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    Xt, et, tt, wt = (torch.from_numpy(a) for a in (X, ev, ty, w.astype(np.float32)))
    twt = torch.from_numpy((type_w if type_w is not None else w).astype(np.float32))
    ft = torch.from_numpy(fa if fa is not None else np.full(len(X), -1, np.int64))
    rng = np.random.default_rng(seed)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    ce = torch.nn.CrossEntropyLoss(reduction="none")
    for _ in range(epochs):
        net.train()
        for b in np.array_split(rng.permutation(len(X)), max(1, len(X) // 256)):
            b = torch.from_numpy(b)
            # each member learns on its own (the ensemble averages them afterwards)
            loss = 0.0
            is_ev = et[b]
            for m in net.members:
                e_logit, t_logit, f_logit = m(Xt[b])
                loss = loss + (wt[b] * bce(e_logit, et[b])).sum() / wt[b].sum().clamp(min=1e-9)
                # the type is learned on events only: a state has no PLOVER type to learn
                if is_ev.sum() > 0:
                    loss = loss + (twt[b] * is_ev * ce(t_logit, tt[b])).sum() / (
                        twt[b] * is_ev).sum().clamp(min=1e-9)
                known = ft[b] >= 0
                if known.any():
                    loss = loss + ce(f_logit[known], ft[b][known]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return EventHead(config, net)


def _fold(article_id: str) -> int:
    return int(hashlib.sha1(article_id.encode()).hexdigest()[:8], 16) % 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_example_arguments(ap)
    ap.add_argument("--gold-weight", type=float, default=16.0)
    ap.add_argument("--training-only-weight", type=float, default=None,
                    help="weight of the training-only articles' rows (default: --gold-weight)")
    ap.add_argument("--other-weight", type=float, default=0.3,
                    help="type-loss weight of distant examples labelled OTHER")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--dump", help="write the out-of-fold dev predictions here (pickle)")
    ap.add_argument("--seed", type=int, default=0, help="first seed of the ensemble's members")
    ap.add_argument("--members", type=int, default=EventHeadConfig.members,
                    help="networks averaged (seeds)")
    ap.add_argument("--oof-only", action="store_true",
                    help="report the out-of-fold figures and stop (no head is written)")
    ap.add_argument("--factuality-only", action="store_true",
                    help="replace only the factuality sub-network (and its settings) of the "
                         "folder's head; its event and type outputs stay")
    args = ap.parse_args(argv)

    import torch

    from pipeline.tagger import CHECKPOINT_DIR

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    folder = args.model or CHECKPOINT_DIR
    (Xd, ed, td), (Xg, eg, tg, arts, gold_rows, pipe_rows, fg), (Xb, eb, tb) = \
        examples_of_runtimes(args)
    print(f"examples: {len(Xd)} distant ({int(ed.sum())} events), {len(Xg)} labelled gold rows "
          f"({int(eg.sum())} events) of dev and training-only articles, {len(Xb)} typed events "
          f"of the balanced dev set; runtimes {','.join(args.runtimes)}", flush=True)
    # the balanced dev set's typed events, weighted as gold rows, in two folds of
    # their own (each event's copies of every runtime in one), scored out of fold
    # like the dev articles: the figure to expect on the balanced test set
    n_b = len(Xb) // len(args.runtimes) if len(Xb) % len(args.runtimes) == 0 else len(Xb)
    fold_b = (np.arange(len(Xb)) % max(1, n_b)) % 2
    fold_d = np.concatenate([np.full(len(Xd), -1), fold_b])  # -1: in every fold
    dist_w = np.concatenate([np.ones(len(Xd)), np.full(len(Xb), args.gold_weight)])
    Xd, ed, td = (np.concatenate([Xd, Xb]), np.concatenate([ed, eb]), np.concatenate([td, tb]))
    oof_b = np.zeros((len(Xb), len(TYPES)))

    from bench.gold_corpus import split

    # out-of-fold scores on the dev articles only; training-only articles are in every fold
    on_dev = np.array([split(a) == "dev" for a in arts])
    config = EventHeadConfig(layer=args.layer, dim=(Xg.shape[1] - N_FLAGS) // 4,
                             members=args.members)
    # distant labels are mostly OTHER (9 in 10 events): weigh those down in the type loss
    type_w_distant = np.where(td == TYPES.index("OTHER"), args.other_weight, dist_w)
    folds = np.array([_fold(a) for a in arts])
    # the training-only articles (mostly NGEC's machine-written stories) may count less
    # than the dev articles, which are news as the pipeline meets it
    train_only_w = (args.gold_weight if args.training_only_weight is None
                    else args.training_only_weight)
    gold_w = np.where(on_dev, args.gold_weight, train_only_w)

    oof_e, oof_t = np.zeros(len(Xg)), np.zeros((len(Xg), len(TYPES)))
    oof_f = np.zeros((len(Xg), len(FACTS)))
    fd = np.full(len(Xd), -1, np.int64)
    for k in (0, 1):
        tr = (folds != k) | ~on_dev
        tr_d = fold_d != k
        X = np.concatenate([Xd[tr_d], Xg[tr]])
        w = np.concatenate([dist_w[tr_d], gold_w[tr]])
        tw = np.concatenate([type_w_distant[tr_d], gold_w[tr]])
        head = fit(config, X, np.concatenate([ed[tr_d], eg[tr]]),
                   np.concatenate([td[tr_d], tg[tr]]), w,
                   args.epochs, seed=args.seed, type_w=tw, fa=np.concatenate([fd[tr_d], fg[tr]]))
        e_logit, t_logit, f_logit = head.logits(Xg[~tr])
        oof_e[~tr], oof_t[~tr], oof_f[~tr] = 1 / (1 + np.exp(-e_logit)), t_logit, f_logit
        oof_b[fold_b == k] = head.logits(Xb[fold_b == k])[1]
    # from here on: the dev rows' out-of-fold predictions
    Xg_all, eg_all, tg_all, fg_all = Xg, eg, tg, fg
    oof_e, oof_t, eg, tg = oof_e[on_dev], oof_t[on_dev], eg[on_dev], tg[on_dev]
    oof_f, fg = oof_f[on_dev], fg[on_dev]
    gold_rows = [g for g, d in zip(gold_rows, on_dev) if d]
    pipe_rows = [r for r, d in zip(pipe_rows, on_dev) if d]
    is_ev = eg > 0.5
    rules = np.array([FACTS.index(r["factuality"]) for r in pipe_rows])
    mixed, rules_acc, head_acc, best_f = choose_factuality(softmax(oof_f), rules, fg, is_ev)
    config.factuality_min_prob = best_f[1]
    config.factuality_source = "head" if best_f[1] <= 1 else "rules"
    pipe_rows = [dict(r, factuality=FACTS[int(k)]) for r, k in zip(pipe_rows, mixed)]
    print(f"out-of-fold factuality accuracy on dev events: rules {rules_acc:.3f}, head "
          f"{head_acc:.3f}, head where p >= {best_f[1]} else rules {best_f[0]:.3f}", flush=True)
    config.temperature = choose_temperature(oof_t[is_ev], tg[is_ev])
    oof_p = softmax(oof_t / config.temperature)
    config.event_threshold, config.other_threshold, *oof_coded = choose_thresholds(
        oof_e, oof_p, gold_rows, pipe_rows)
    oof_acc = float(np.mean(oof_t[is_ev].argmax(1) == tg[is_ev]))
    oof_ev_acc = float(np.mean((oof_e >= config.event_threshold) == is_ev))
    print(f"out-of-fold on dev: type accuracy on events {oof_acc:.3f}, eventness accuracy "
          f"{oof_ev_acc:.3f}, coded P/R {oof_coded[0]:.3f}/{oof_coded[1]:.3f}; temperature "
          f"{config.temperature}, event threshold {config.event_threshold}", flush=True)
    p_b = softmax(oof_b / config.temperature)
    oof_b_acc = float(np.mean([EventHead.decide_type(p, config) == TYPES[t]
                               for p, t in zip(p_b, tb)])) if len(tb) else float("nan")
    print(f"out-of-fold on the balanced dev set's typed events: type accuracy {oof_b_acc:.3f}",
          flush=True)

    if args.dump:
        import pickle

        with open(args.dump, "wb") as f:
            pickle.dump({"oof_e": oof_e, "oof_t": oof_t, "oof_f": oof_f, "rules": rules,
                         "gold": gold_rows, "rows": pipe_rows, "oof_b": oof_b, "tb": tb}, f)
    if args.oof_only:
        return 0
    config.extra = {"distant_frames": int(len(Xd) - len(Xb)),
                    "balanced_dev_events": int(len(Xb)),
                    "runtimes": list(args.runtimes),
                    "gold_dev_rows": int(on_dev.sum()),
                    "gold_training_only_rows": int((~on_dev).sum()),
                    "gold_weight": args.gold_weight, "epochs": args.epochs, "seed": args.seed,
                    "training_only_weight": train_only_w,
                    "oof_type_accuracy": round(oof_acc, 4),
                    "oof_eventness_accuracy": round(oof_ev_acc, 4),
                    "oof_coded_precision": round(oof_coded[0], 4),
                    "oof_coded_recall": round(oof_coded[1], 4),
                    "oof_balanced_dev_type_accuracy": round(oof_b_acc, 4),
                    "oof_factuality_accuracy": {"rules": round(rules_acc, 4),
                                                "head": round(head_acc, 4),
                                                "chosen": round(best_f[0], 4)},
                    "table": "pipeline/tagger/plover_rolesets.tsv"}
    head = fit(config, np.concatenate([Xd, Xg_all]), np.concatenate([ed, eg_all]),
               np.concatenate([td, tg_all]),
               np.concatenate([dist_w, gold_w]),
               args.epochs, seed=args.seed,
               type_w=np.concatenate([type_w_distant, gold_w]),
               fa=np.concatenate([fd, fg_all]))
    if args.factuality_only:
        old = EventHead.load(folder)
        head = old.with_factuality_of(head)
        head.config.extra = dict(old.config.extra, oof_factuality_accuracy=config.extra[
            "oof_factuality_accuracy"], factuality_retrained={
                k: config.extra[k] for k in ("gold_dev_rows", "gold_training_only_rows", "seed",
                                             "runtimes", "epochs")})
    head.save(folder)
    print(f"event head written to {folder}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
