"""Source and target actors of one-event news sentences, through the real tagger.

    HF_HUB_OFFLINE=1 python -m bench.actor_sentences_eval [--split dev|test|all] [--show-errors]

``tests/data/gold/actor_sentences.jsonl`` (ACTORS_GUIDE.md): 100 wire-style
sentences written for this check, one political event each, with the source
(``who``) and target spans and their actors (name, country, sector). Each
sentence is its own article and goes through the pipeline's own functions
(segment, tagger, decode, resolve: ``bench.gold_offline.decoded_events``), so
NER, roles and resolution are all the system's. For each sentence, the row
whose ``who`` span overlaps the gold source span most is the source row; no
such row counts as wrong.

Scores, per sentence:
* source country: the source row's first actor's country equals the gold first
  actor's (what the external PLOVER check measures);
* source sector: the same for the sector;
* source list: every conjunct's country, in order (coordinated sources only);
* target country: of the row's first target actor, on the source row, when the
  gold has a target.

``dev`` is for looking at errors and tuning; ``test`` is for reporting only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

GOLD = os.path.join(ROOT, "tests", "data", "gold", "actor_sentences.jsonl")


def _overlap(a0: Optional[int], a1: Optional[int], b0: int, b1: int) -> int:
    if a0 is None or a1 is None:
        return 0
    return max(0, min(a1, b1) - max(a0, b0))


def evaluate(split: str = "dev", predictor=None) -> dict:
    from bench.gold_offline import decoded_events

    items = [json.loads(l) for l in open(GOLD, encoding="utf-8") if l.strip()]
    items = [it for it in items if split == "all" or it["split"] == split]
    if predictor is None:
        from pipeline.tagger import CHECKPOINT_DIR
        from pipeline.tagger.predictor import Predictor

        predictor = Predictor.from_folder(CHECKPOINT_DIR)
    events = decoded_events({it["id"]: it["sentence"] for it in items}, predictor)
    by_article = {}
    for e in events:
        by_article.setdefault(e.article_id, []).append(e)
    results = []
    for it in items:
        text = it["sentence"]
        ws = text.index(it["who"])
        we = ws + len(it["who"])
        rows = by_article.get(it["id"], [])
        best = max(rows, key=lambda e: (_overlap(e.who_start, e.who_end, ws, we),
                                        -abs((e.who_start or 0) - ws)), default=None)
        if best is not None and _overlap(best.who_start, best.who_end, ws, we) == 0:
            best = None
        gold_who = it["who_actors"]
        got_who = list(best.who_actors) if best is not None else []
        r = {"id": it["id"], "sentence": text, "event_type": it["event_type"],
             "gold_who": [(a["country"], a["sector"]) for a in gold_who],
             "got_who": [(a.text, a.country, a.sector) for a in got_who],
             "row": (best.who, best.action, best.target) if best is not None else None}
        r["ok_country"] = bool(got_who) and got_who[0].country == gold_who[0]["country"]
        r["ok_sector"] = bool(got_who) and got_who[0].sector == gold_who[0]["sector"]
        if len(gold_who) > 1:
            r["ok_list"] = [a.country for a in got_who] == [a["country"] for a in gold_who]
        if it.get("target_actors"):
            got_t = list(best.target_actors) if best is not None else []
            r["gold_target"] = [(a["country"], a["sector"]) for a in it["target_actors"]]
            r["got_target"] = [(a.text, a.country, a.sector) for a in got_t]
            r["ok_target_country"] = bool(got_t) and \
                got_t[0].country == it["target_actors"][0]["country"]
        results.append(r)

    def rate(key):
        rs = [r for r in results if key in r]
        return (sum(r[key] for r in rs) / len(rs) if rs else None), len(rs)

    return {"split": split, "n": len(results),
            "source_country": rate("ok_country"), "source_sector": rate("ok_sector"),
            "source_list": rate("ok_list"), "target_country": rate("ok_target_country"),
            "results": results}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args(argv)
    s = evaluate(args.split)
    print(f"sentences ({s['split']}): {s['n']}")
    for key in ("source_country", "source_sector", "source_list", "target_country"):
        value, n = s[key]
        print(f"{key:15} {value:.3f}  (n={n})" if value is not None else f"{key:15} -")
    if args.show_errors:
        for r in s["results"]:
            bad = [k for k in ("ok_country", "ok_sector", "ok_list", "ok_target_country")
                   if r.get(k) is False]
            if bad:
                print(f"- {r['id']} {','.join(k[3:] for k in bad)}: {r['sentence'][:70]!r}\n"
                      f"    row {r['row']}\n    who gold {r['gold_who']} got {r['got_who']}"
                      + (f"\n    target gold {r.get('gold_target')} got {r.get('got_target')}"
                         if "ok_target_country" in bad else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
