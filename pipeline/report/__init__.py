"""The run's output folder -> one self-contained HTML report: ``build_report``.

    python -m pipeline report OUT [--run-date YYYY-MM-DD]     # writes OUT/report.html
    make report OUT=DIR

What an analyst looks at before querying: a timeline of coded events by PLOVER
type, who acts on whom (a matrix of actor countries, and the commonest actor
pairs), the counts by type, dead letters by reason, and a table of the coded
events with the sentence each comes from and a link to its source file. The
charts are Plotly figures; plotly.js is inlined once, so the file opens with
no network. (No map yet: the events table has no place coordinates; when it
gains them the map goes here.)
"""
from __future__ import annotations

import html
import os
from collections import Counter
from typing import Dict, List, Optional

from pipeline.paths import is_remote
from pipeline.records import reason_code

REPORT_FILE = "report.html"
TOP_EVENTS = 200


def _figures(coded: List[dict], dead: List[dict]) -> Dict[str, object]:
    import plotly.graph_objects as go

    figs: Dict[str, object] = {}
    layout = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), height=380)
    types = [t for t, _ in Counter(e["event_type"] for e in coded).most_common()]
    dated = [e for e in coded if e["date"] is not None]
    if dated:
        days = sorted({e["date"] for e in dated})
        fig = go.Figure()
        for t in types:
            n = Counter(e["date"] for e in dated if e["event_type"] == t)
            fig.add_bar(name=t, x=[d.isoformat() for d in days], y=[n.get(d, 0) for d in days])
        fig.update_layout(barmode="stack", title="Coded events by day and type",
                          xaxis_title="date", yaxis_title="coded events", **layout)
        figs["timeline"] = fig
    if types:
        n = Counter(e["event_type"] for e in coded)
        fig = go.Figure(go.Bar(x=types, y=[n[t] for t in types]))
        fig.update_layout(title="Coded events by PLOVER type", yaxis_title="coded events", **layout)
        figs["types"] = fig
    pairs = Counter((e["who_country"], e["target_country"]) for e in coded
                    if e["who_country"] and e["target_country"])
    if pairs:
        who = sorted({w for w, _ in pairs})
        tgt = sorted({t for _, t in pairs})
        fig = go.Figure(go.Heatmap(x=tgt, y=who, z=[[pairs.get((w, t), 0) for t in tgt] for w in who],
                                   colorscale="Blues", colorbar=dict(title="events")))
        fig.update_layout(title="Who acts on whom: actor country -> target country",
                          xaxis_title="target", yaxis_title="actor", **layout)
        figs["dyads"] = fig
    actors = Counter((e["who_resolved"] or e["who"], e["target_resolved"] or e["target"])
                     for e in coded if (e["who_resolved"] or e["who"]) and (e["target_resolved"] or e["target"]))
    if actors:
        top = actors.most_common(15)[::-1]
        fig = go.Figure(go.Bar(orientation="h", x=[n for _, n in top],
                               y=[f"{w[:30]} -> {t[:30]}" for (w, t), _ in top]))
        fig.update_layout(title="Commonest actor -> target pairs", xaxis_title="coded events",
                          **{**layout, "margin": dict(l=320, r=20, t=50, b=50)})
        figs["actors"] = fig
    if dead:
        n = Counter(reason_code(d["reason"]) for d in dead)
        reasons = [r for r, _ in n.most_common()]
        fig = go.Figure(go.Bar(x=reasons, y=[n[r] for r in reasons], marker_color="#c0392b"))
        fig.update_layout(title="Dead letters by reason", yaxis_title="inputs", **layout)
        figs["dead"] = fig
    return figs


def _events_table(coded: List[dict], sources: Dict[str, str]) -> str:
    esc = html.escape
    rows = []
    for e in coded[:TOP_EVENTS]:
        src = sources.get(e["article_id"], "")
        path = src.rsplit(":", 1)[0] if src.endswith(tuple("0123456789")) and ":" in src else src
        link = (f'<a href="{esc("file://" + os.path.abspath(path))}">{esc(e["article_id"])}</a>'
                if path and not is_remote(path) else esc(e["article_id"]))
        s = e["sentence"] or ""
        a, b = s.find(e["action"]), len(e["action"])
        sentence = (esc(s[:a]) + "<mark>" + esc(s[a:a + b]) + "</mark>" + esc(s[a + b:])
                    if a >= 0 else esc(s))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            esc(str(e["date"] or "")), esc(e["who_resolved"] or e["who"] or ""),
            esc(e["who_country"] or ""), esc(e["action"]), esc(e["event_type"]),
            esc(e["target_resolved"] or e["target"] or ""), esc(e["target_country"] or ""),
            f'{link}, sentence {e["sentence_index"]}', sentence)) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("date", "who", "", "action", "type", "target", "",
                                              "article", "sentence"))
    return f'<table id="events"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def build_report(output: str, run_date=None, path: Optional[str] = None) -> str:
    """Write the report of the tables under ``output`` (one ``run_date``
    partition when given) to ``path`` (default ``output/report.html``); return it."""
    import plotly.io as pio
    import pyarrow.dataset as ds

    from pipeline.ops.tables import count_rows, read_table

    n_frames = count_rows(output, "events", run_date)
    coded = read_table(output, "events", run_date, filter=ds.field("coded") == True,  # noqa: E712
                       columns=["event_type", "date", "who", "who_resolved", "who_country",
                                "action", "target", "target_resolved", "target_country",
                                "article_id", "sentence_index", "sentence"]).to_pylist()
    coded.sort(key=lambda e: (e["date"] is None, e["date"] or 0, e["article_id"],
                              e["sentence_index"]))
    articles = read_table(output, "articles", run_date,
                          columns=["article_id", "source", "status"]).to_pylist()
    dead = read_table(output, "dead_letters", run_date, columns=["reason"]).to_pylist()
    sources = {a["article_id"]: a["source"] for a in articles if a["article_id"]}
    figs = _figures(coded, dead)
    parts, first = [], True
    for name, fig in figs.items():
        parts.append(f'<section id="{name}">' + pio.to_html(
            fig, full_html=False, include_plotlyjs=first, config={"displaylogo": False})
            + "</section>")
        first = False
    n_ok = sum(1 for a in articles if a["status"] == "ok")
    title = f"newsevents report: {output}" + (f", run date {run_date}" if run_date else "")
    body = (f"<h1>{html.escape(title)}</h1>"
            f"<p class=summary>{len(articles):,} articles ({n_ok:,} ok, {len(articles) - n_ok:,} "
            f"dead-lettered), {n_frames:,} frames, <b>{len(coded):,} coded events</b>. "
            "No map yet: the events table has no place coordinates.</p>"
            + "".join(parts)
            + f"<h2>Coded events (first {min(len(coded), TOP_EVENTS)} by date)</h2>"
            + _events_table(coded, sources))
    style = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
             "table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #ddd;"
             "padding:3px 6px;text-align:left;vertical-align:top}mark{background:#ffe58a}")
    page = (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{body}</body></html>")
    path = path or os.path.join(output, REPORT_FILE)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path
