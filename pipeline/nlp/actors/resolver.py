"""``resolve_actors``: who/target of an article's events -> the fullest name and its country."""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from pipeline.records import Event, Mention

from .article import ArticleContext


def resolve_actors(text: str, events: List[Event], mentions: List[Mention]) -> List[Event]:
    """Copies of ``events`` (one article) with who/target resolved and coded.

    ``mentions`` are the article's named-entity mentions with article offsets
    (from the tagger's NER head: ``mentions_from_frames``). Events are resolved
    in text order, so a pronoun can rest on an earlier resolved description.
    """
    art = ArticleContext(text, events, mentions)
    found: List[Dict[str, Optional[str]]] = []
    spans = []
    for i, ev in enumerate(events):
        for role in ("who", "target"):
            s, e = getattr(ev, f"{role}_start"), getattr(ev, f"{role}_end")
            if getattr(ev, role) and s is not None and e is not None:
                spans.append((s, e, i, role))
        found.append({f"{role}_{k}": None for role in ("who", "target")
                      for k in ("resolved", "country")})
    spans.sort(key=lambda t: (t[0], 0 if t[3] == "who" else 1))
    resolved: Dict[Tuple[int, str], Optional[tuple]] = {}
    for s, e, i, role in spans:
        exclude = ()
        if role == "target":
            w = resolved.get((i, "who"))
            if w and w[0] is not None:
                exclude = (w[0],)
        res = art.resolve_span(s, e, role, exclude)
        resolved[(i, role)] = res
        art.remember(s, e, res)
        if res:
            found[i][f"{role}_resolved"] = res[1]
            found[i][f"{role}_country"] = res[2]
    return [replace(ev, **fields) for ev, fields in zip(events, found)]
