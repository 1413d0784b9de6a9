"""The event head's settings, chosen on out-of-fold predictions for the dev articles.

``train_event_head`` scores every dev row with a head that did not see it (two
folds by article) and picks, on those scores, what ``event_head.json`` stores:
where the factuality comes from (``choose_factuality``), the type temperature
(``choose_temperature``), and the p(event) and p(OTHER) thresholds
(``choose_thresholds``, the operating point of ``coded``).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from pipeline.nlp.events.head import EventHead, EventHeadConfig, is_coded


def choose_factuality(p_fact: np.ndarray, rules: np.ndarray, gold: np.ndarray, is_event: np.ndarray,
                      keep: Optional[np.ndarray] = None):
    """The head's factuality where it is at least ``tau`` sure, else the rules': the
    ``tau`` right most often on the dev events (1.01: the rules alone). ``keep``:
    rows whose rules' value stands whatever the head says. Returns the chosen
    values per row, the rules' and the head's accuracy, and (accuracy, tau)."""
    keep = np.zeros(len(rules), bool) if keep is None else keep

    def mixed(tau):
        return np.where((p_fact.max(1) >= tau) & ~keep, p_fact.argmax(1), rules)

    rules_acc = float(np.mean(rules[is_event] == gold[is_event]))
    head_acc = float(np.mean(p_fact[is_event].argmax(1) == gold[is_event]))
    best = (rules_acc, 1.01)
    for tau in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        acc = float(np.mean(mixed(tau)[is_event] == gold[is_event]))
        if acc > best[0] + 1e-9:
            best = (acc, tau)
    return mixed(best[1]), rules_acc, head_acc, best


def choose_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    best = None
    for t in [0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0]:
        z = logits / t
        z = z - z.max(1, keepdims=True)
        nll = -np.mean(z[np.arange(len(gold)), gold] - np.log(np.exp(z).sum(1)))
        if best is None or nll < best[0]:
            best = (nll, t)
    return best[1]


#: The operating point: the highest out-of-fold coded-event precision at a recall of
#: at least this (analysts count what is coded: precision first, recall kept)
MIN_RECALL = 0.70


def choose_thresholds(p_event, p_type, gold_rows, pipe_rows) -> Tuple[float, float, float, float]:
    """The p(event) threshold and the p(OTHER) threshold (OTHER only at or above
    it, else the likeliest PLOVER type) with the best coded-event precision at a
    recall of at least ``MIN_RECALL`` on these rows (the best F1 if none reaches it),
    and that precision and recall."""
    gold_coded = [is_coded(g["event"], g["type"], g["factuality"], r.get("who"))
                  for g, r in zip(gold_rows, pipe_rows)]
    points = []
    for th in np.arange(0.2, 0.991, 0.025):
        for other in np.arange(0.3, 0.96, 0.05):
            cfg = EventHeadConfig(other_threshold=float(other))
            pred = [is_coded(bool(p >= th), EventHead.decide_type(pt, cfg), r["factuality"],
                             r.get("who")) for p, pt, r in zip(p_event, p_type, pipe_rows)]
            tp = sum(a and b for a, b in zip(pred, gold_coded))
            prec = tp / max(1, sum(pred))
            rec = tp / max(1, sum(gold_coded))
            f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            points.append((prec, rec, f, float(round(th, 3)), float(round(other, 2))))
    ok = [p for p in points if p[1] >= MIN_RECALL]
    best = max(ok, key=lambda p: (p[0], p[1])) if ok else max(points, key=lambda p: p[2])
    return best[3], best[4], best[0], best[1]
