"""Actor resolution and country-code accuracy on ``tests/data/gold/actors.jsonl``.

    HF_HUB_OFFLINE=1 python -m bench.actors_eval [--show-errors]

Each gold item names an article (the seed, or an English-EWT document from
``../shared/data/uner-english-ewt``), a context string that occurs once in it,
the raw mention (the first whole-word match inside the context), its role
(who/target), the acceptable resolved names (null: no named entity) and the
gold code (null: none). One event row per gold item is built at that offset and
all rows of an article go through ``resolve_actors`` together, with the
article's named-entity mentions: Universal NER gold spans for EWT, and
``tests/data/gold/seed_ner.jsonl`` (the same conventions, every occurrence) for
the seed -- i.e. this measures resolution *given* NER mentions, not the NER head.

Scores: resolution accuracy (resolved name among the accepted ones, or None
when gold is null; case, a leading "the" and spaces around hyphens ignored)
and country accuracy (exact code, None == None).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.actors_ewt_docs import load_docs  # noqa: E402
from pipeline.nlp.actors import Mention, resolve_actors  # noqa: E402
from pipeline.records import Event  # noqa: E402
from pipeline.inputs.decoding import normalize_text  # noqa: E402
from pipeline.nlp.sentences import segment_text  # noqa: E402

GOLD = os.path.join(ROOT, "tests", "data", "gold", "actors.jsonl")
SEED_NER = os.path.join(ROOT, "tests", "data", "gold", "seed_ner.jsonl")
SEED_DIR = os.path.join(ROOT, "seeds")
PRONOUNS = {"i", "me", "my", "we", "us", "our", "he", "him", "his", "she", "her", "it",
            "its", "they", "them", "their"}


def seed_article(name: str) -> Tuple[str, List[Mention]]:
    with open(os.path.join(SEED_DIR, name + ".txt"), encoding="utf-8") as f:
        text = normalize_text(f.read())
    sents = segment_text(name, text)
    forms = [json.loads(l) for l in open(SEED_NER, encoding="utf-8") if l.strip()]
    taken: List[Tuple[int, int, str]] = []
    for f in sorted(forms, key=lambda f: -len(f["text"])):
        for m in re.finditer(r"(?<!\w)" + re.escape(f["text"]) + r"(?!\w)", text):
            if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                taken.append((m.start(), m.end(), f["label"]))
    mentions = [Mention(text[s:e], s, e, lab, _sent_index(sents, s)) for s, e, lab in sorted(taken)]
    return text, mentions


def _sent_index(sents, pos: int) -> int:
    for s in sents:
        if s.start <= pos < s.end + 1:
            return s.sentence_index
    return max([s.sentence_index for s in sents if s.start <= pos] or [0])


_EWT_CACHE: Dict[str, dict] = {}


def ewt_article(split: str, doc_id: str) -> Tuple[str, List[Mention]]:
    if split not in _EWT_CACHE:
        _EWT_CACHE[split] = load_docs(split)
    d = _EWT_CACHE[split][doc_id]
    mentions = [Mention(d.text[s:e], s, e, lab, si) for lab, s, e, si in d.entities]
    return d.text, mentions


def article_for(source: str) -> Tuple[str, List[Mention]]:
    kind, rest = source.split(":", 1)
    if kind == "seed":
        return seed_article(rest)
    split, doc_id = rest.split(":", 1)
    return ewt_article(split, doc_id)


def locate(text: str, context: str, mention: str) -> Tuple[int, int]:
    i = text.find(context)
    if i < 0 or text.find(context, i + 1) >= 0:
        raise ValueError(f"context not unique/found: {context!r}")
    m = re.search(r"(?<!\w)" + re.escape(mention) + r"(?!\w)", context)
    if not m:
        raise ValueError(f"mention {mention!r} not in context {context!r}")
    return i + m.start(), i + m.end()


def norm(s: Optional[str]) -> Optional[str]:
    if s is None:
        return None
    s = s.replace("’", "'").strip()
    s = re.sub(r"^the\s+", "", s, flags=re.I)
    s = re.sub(r"\s*-\s*", "-", s)
    return s.casefold()


def category(item) -> str:
    m = item["mention"].lower()
    if m in PRONOUNS:
        return "pronoun"
    if item["gold_resolved"] is None:
        return "description (no entity)"
    return "name/description"


def evaluate(gold_path: str = GOLD) -> dict:
    items = [json.loads(l) for l in open(gold_path, encoding="utf-8") if l.strip()]
    by_source: Dict[str, List[dict]] = collections.OrderedDict()
    for it in items:
        by_source.setdefault(it["source"], []).append(it)
    results = []
    for source, its in by_source.items():
        text, mentions = article_for(source)
        sents = segment_text("a", text)
        rows = []
        for it in its:
            s, e = locate(text, it["context"], it["mention"])
            si = _sent_index(sents, s)
            sent = next((x for x in sents if x.sentence_index == si), None)
            role = it["role"]
            rows.append(Event(
                event_id=it["id"], article_id="a", sentence_index=si,
                sentence=sent.text if sent else "", action="", action_lemma="",
                action_start=s, action_end=s, negated=False, modality=None,
                factuality="asserted", confidence=1.0, model="gold",
                **{role: text[s:e], f"{role}_start": s, f"{role}_end": e}))
        out = resolve_actors(text, rows, mentions)
        per_words = {w.casefold() for m in mentions if m.label == "PER" for w in m.text.split()}
        for it, row in zip(its, out):
            gold_names = it["gold_resolved"] or []
            it = dict(it, person=any(g.split()[-1].casefold() in per_words for g in gold_names))
            got_r = getattr(row, it["role"] + "_resolved")
            got_c = getattr(row, it["role"] + "_country")
            gold_r = it["gold_resolved"]
            ok_r = (got_r is None) if gold_r is None else (norm(got_r) in {norm(g) for g in gold_r})
            ok_c = got_c == it["gold_country"]
            actors = getattr(row, it["role"] + "_actors")
            got_s = actors[0].sector if actors else None
            ok_s = got_s == it.get("gold_sector")
            ok_l = None
            if it.get("gold_actors"):  # a coordination: every conjunct's country and sector
                ok_l = [(a.country, a.sector) for a in actors] == [
                    (g["country"], g["sector"]) for g in it["gold_actors"]]
            results.append({**it, "got_resolved": got_r, "got_country": got_c,
                            "got_sector": got_s, "got_actors": [(a.text, a.country, a.sector)
                                                                for a in actors],
                            "ok_resolved": ok_r, "ok_country": ok_c, "ok_sector": ok_s,
                            "ok_list": ok_l})
    n = len(results)
    summary = {
        "n": n,
        "resolution_accuracy": sum(r["ok_resolved"] for r in results) / n,
        "country_accuracy": sum(r["ok_country"] for r in results) / n,
        "sector_accuracy": sum(r["ok_sector"] for r in results) / n,
        "by_group": {},
    }
    lists = [r for r in results if r["ok_list"] is not None]
    summary["coordinations"] = len(lists)
    summary["coordination_accuracy"] = (sum(r["ok_list"] for r in lists) / len(lists)
                                        if lists else None)
    groups = collections.defaultdict(list)
    for r in results:
        groups["seed" if r["source"].startswith("seed") else "ewt"].append(r)
        groups[category(r)].append(r)
        groups["actor is a person" if r["person"] else "actor is not a person"].append(r)
    for g, rs in sorted(groups.items()):
        summary["by_group"][g] = {"n": len(rs),
                                  "resolution": sum(r["ok_resolved"] for r in rs) / len(rs),
                                  "country": sum(r["ok_country"] for r in rs) / len(rs),
                                  "sector": sum(r["ok_sector"] for r in rs) / len(rs)}
    summary["results"] = results
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args(argv)
    s = evaluate()
    print(f"actor mentions: {s['n']}")
    print(f"resolution accuracy: {s['resolution_accuracy']:.3f}")
    print(f"country accuracy:    {s['country_accuracy']:.3f}")
    print(f"sector accuracy:     {s['sector_accuracy']:.3f}")
    if s["coordinations"]:
        print(f"coordinations:       {s['coordinations']} mentions, every conjunct's country "
              f"and sector right for {s['coordination_accuracy']:.3f}")
    for g, v in s["by_group"].items():
        print(f"  {g:26} n={v['n']:3d}  resolution={v['resolution']:.3f}  "
              f"country={v['country']:.3f}  sector={v['sector']:.3f}")
    if args.show_errors:
        for r in s["results"]:
            if not (r["ok_resolved"] and r["ok_country"] and r["ok_sector"]
                    and r["ok_list"] is not False):
                print(f"- {r['id']} {r['mention']!r} ({r['role']}, {r['context'][:40]!r}): "
                      f"got {r['got_resolved']!r}/{r['got_country']}/{r['got_sector']} "
                      f"gold {r['gold_resolved']}/{r['gold_country']}/{r.get('gold_sector')}"
                      + (f" list {r['got_actors']} vs {r['gold_actors']}"
                         if r["ok_list"] is False else ""))


if __name__ == "__main__":
    main()
