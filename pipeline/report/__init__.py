"""The run's output folder -> one self-contained HTML report: ``build_report``.

    python -m pipeline report OUT [--run-date YYYY-MM-DD]     # writes OUT/report.html
    make report OUT=DIR

What an analyst looks at before querying: a timeline of coded events by PLOVER
type, a map of the located ones, who acts on whom (a matrix of actor countries,
and the commonest actor pairs), the counts by type, dead letters by reason, and
a table of the coded events with the sentence each comes from and a link to its
source file. The charts are Plotly figures; plotly.js is inlined once, so the
file opens with no network.

The map is a plain x/y scatter of longitude and latitude (equal degrees on both
axes), not a Plotly ``scattergeo``/``choropleth``: those make plotly.js fetch
its world outlines (topojson) from cdn.plot.ly when the page opens, and the
installed plotly ships none, so offline they draw nothing and log errors. For
bearings, the grid cells that hold a GeoNames city are drawn as faint dots
behind the events (``places.inhabited_cells``): the settled land, from the
gazetteer the places come from. Only places with coordinates (cities) are
plotted; a country or a US state has none (docs/ACTORS.md, "Places"), and the
summary counts them.
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
#: the geocoded place columns (issue #20); a run written before them has none
PLACE_COLUMNS = ["location_name", "location_country", "location_lat", "location_lon"]


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
    located = [e for e in coded if e.get("location_lat") is not None
               and e.get("location_lon") is not None]
    if located:
        figs["map"] = _map(located, go, layout)
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


def _map(located: List[dict], go, layout: dict):
    """Located coded events on a longitude/latitude scatter (why not a geo
    trace: the module docstring), one marker a place, sized by its events."""
    from pipeline.nlp.gazetteer import country_name
    from pipeline.nlp.gazetteer.places import inhabited_cells

    at: Dict[tuple, Counter] = {}
    for e in located:
        key = (e["location_name"], e["location_country"], e["location_lat"], e["location_lon"])
        at.setdefault(key, Counter())[e["event_type"]] += 1
    cells = inhabited_cells()
    fig = go.Figure(go.Scatter(x=[lon for _, lon in cells], y=[lat for lat, _ in cells],
                               mode="markers", hoverinfo="skip", showlegend=False,
                               marker=dict(size=3, color="#d5dbe1"), name="settled land"))
    places = sorted(at.items(), key=lambda kv: -sum(kv[1].values()))
    hover = [f"<b>{html.escape(name)}</b>, {html.escape(country_name(cc) or cc)} ({cc})<br>"
             + f"{sum(n.values())} coded event{'s' if sum(n.values()) > 1 else ''}: "
             + ", ".join(f"{t} {k}" for t, k in n.most_common())
             for (name, cc, _, _), n in places]
    counts = [sum(n.values()) for _, n in places]
    fig.add_trace(go.Scatter(
        x=[lon for (_, _, _, lon), _ in places], y=[lat for (_, _, lat, _), _ in places],
        mode="markers", name="located events", text=hover, hoverinfo="text", showlegend=False,
        marker=dict(size=[8 + 6 * n ** 0.5 for n in counts], color="#c0392b", opacity=0.8,
                    line=dict(width=1, color="white"))))
    fig.update_layout(title=f"Where: {sum(counts)} coded events in {len(places)} cities "
                            "(a country or state has no coordinates)",
                      **{**layout, "height": 520})
    fig.update_xaxes(range=[-180, 180], title="longitude", zeroline=False, showgrid=False)
    # equal degrees on both axes: an equirectangular world, the shape readers know
    fig.update_yaxes(range=[-60, 85], title="latitude", zeroline=False, showgrid=False,
                     scaleanchor="x", scaleratio=1)
    return fig


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
    import pyarrow as pa
    import pyarrow.dataset as ds

    from pipeline.ops.tables import count_rows, read_table

    n_frames = count_rows(output, "events", run_date)
    columns = ["event_type", "date", "who", "who_resolved", "who_country", "action", "target",
               "target_resolved", "target_country", "article_id", "sentence_index", "sentence"]
    coded_only = ds.field("coded") == True  # noqa: E712
    try:
        coded = read_table(output, "events", run_date, filter=coded_only,
                           columns=columns + PLACE_COLUMNS).to_pylist()
    except pa.ArrowInvalid:  # a run written before the place columns: no map
        coded = read_table(output, "events", run_date, filter=coded_only,
                           columns=columns).to_pylist()
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
    n_placed = sum(1 for e in coded if e.get("location_name"))
    n_mapped = sum(1 for e in coded if e.get("location_lat") is not None)
    title = f"newsevents report: {output}" + (f", run date {run_date}" if run_date else "")
    body = (f"<h1>{html.escape(title)}</h1>"
            f"<p class=summary>{len(articles):,} articles ({n_ok:,} ok, {len(articles) - n_ok:,} "
            f"dead-lettered), {n_frames:,} frames, <b>{len(coded):,} coded events</b>, "
            f"{n_placed:,} of them with a place ({n_mapped:,} on the map).</p>"
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
