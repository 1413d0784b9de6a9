"""The pipeline's rows for the gold articles, without Beam: read -> segment -> infer -> decode -> resolve.

The same functions the Beam stages call (``segment_article``, ``predict_all``,
``decode_article``, ``resolve_article``), so an event here is the one the pipeline
hands ``classify``, with the event head's features.
Used to fit the event head on the gold set's dev part and to look at rows
while labelling; ``bench.events_eval`` scores the real pipeline's output.
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
from typing import Dict, List, Optional, Tuple

from bench.gold_corpus import GOLD_DIR, build, split
from bench.gold_rows import KEY


def load_gold(which: Optional[str] = None) -> List[dict]:
    """Every labelled row, or those of the ``dev``/``test`` articles."""
    rows = []
    for p in sorted(glob.glob(os.path.join(GOLD_DIR, "events", "*.jsonl"))):
        with open(p, encoding="utf-8") as f:
            rows += [json.loads(l) for l in f if l.strip()]
    return [r for r in rows if which is None or split(r["article_id"]) == which]


def key(row: dict) -> tuple:
    return tuple(row[k] for k in KEY)


def decoded_events(texts: Dict[str, str], predictor, model_name: str = "gold") -> List:
    """The ``Event`` records the pipeline hands ``classify`` for these articles
    (``head_features`` included), in article and text order."""
    from pipeline.stages.decode import decode_article
    from pipeline.nlp.windows import predict_all
    from pipeline.records import Article
    from pipeline.stages.resolve import resolve_article
    from pipeline.stages.segment import segment_article

    out: List = []
    for aid, text in sorted(texts.items()):
        doc = segment_article(Article(aid, "gold", text))
        frames = predict_all(predictor.predict, [s.words for s in doc.sentences])
        doc = decode_article(dataclasses.replace(doc, frames=tuple(frames)), model_name)
        out += list(resolve_article(doc).events)
    return out


def labelled_events(predictor, data_dir: str, work: str, gold_rows) -> List[Tuple]:
    """(event, gold row) for each of ``gold_rows`` (the gold set's rows) whose
    article, read through the tagger as the pipeline reads it, gives an event
    with head features at its key: the trainers' labelled examples."""
    gold = {key(r): r for r in gold_rows}
    texts = gold_texts(data_dir, work)
    ids = {k[0] for k in gold}
    return [(e, gold[(e.article_id, e.sentence_index, e.action_start)])
            for e in decoded_events({a: t for a, t in texts.items() if a in ids}, predictor)
            if (e.article_id, e.sentence_index, e.action_start) in gold
            and e.head_features is not None]


def labelled_event(events, action: str):
    """The decoded event of a one-event labelled sentence (the balanced sets):
    the one whose action is the labelled action, else, for a phrasal verb the
    tagger marks by its verb alone ("called on" -> "called"), the one whose
    action is its first word. None when the tagger found no such frame."""
    with_features = [e for e in events if e.head_features is not None]
    for wanted in (action, action.split()[0] if action.strip() else action):
        found = [e for e in with_features if e.action == wanted]
        if found:
            return found[0]
    return None


def event_row(event) -> dict:
    """An ``Event`` as the pipeline writes it (the rows stage's ``event_row``)."""
    from pipeline.stages.rows import event_row as row

    return row(event)


def decoded_rows(texts: Dict[str, str], predictor, model_name: str = "gold") -> List[dict]:
    """``decoded_events`` as ``events`` rows (the columns the pipeline writes)."""
    return [event_row(e) for e in decoded_events(texts, predictor, model_name)]


def gold_texts(data_dir: str, out_dir: str) -> Dict[str, str]:
    return build(out_dir, data_dir)
