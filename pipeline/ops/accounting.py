"""Nothing silently lost: the checks a finished run must pass before it is published.

One job. By construction every input (a file, a JSON Lines line, a pattern that
matched nothing) becomes exactly one ``articles`` row, ``ok`` or
``dead_letter``, unless ``--incremental`` skipped it as already processed. This
module checks that promise on the tables the run wrote, against an independent
listing of the inputs (Beam's ``FileSystems.match``, as the read stage does):

* every row's status is ``ok`` or ``dead_letter``, so articles = ok + dead-lettered;
* no input has two rows (no duplicates);
* every matched input file (and every pattern without a match) has a row, or
  was skipped;
* every dead letter points at a ``dead_letter`` article row and every
  ``dead_letter`` row has its dead letter(s);
* the events table holds exactly the events the article rows count;
* every coded event, and no other, has an ``event_cluster_id``, and the
  ``event_clusters`` table counts exactly those rows (``check_clusters``).

A failed check raises :class:`AccountingError`: that is a bug in the pipeline,
and the run's output is then not published.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Collection, Dict, Iterable, List, Mapping, Sequence, Set, Tuple, Union

from apache_beam.io.filesystems import FileSystems

from pipeline.inputs.listing import broken_links, select_inputs, split_path

_LINE_SUFFIX = re.compile(r":\d+$")  # "path:line" of a JSON Lines article
_SHOWN = 5


class AccountingError(RuntimeError):
    """The run's tables do not account for its inputs."""


@dataclass(frozen=True)
class Accounts:
    articles: int  # rows of the articles table: every input not skipped
    ok: int
    dead_lettered: int
    skipped: int  # --incremental: already processed, not read further
    events: int
    dead_letters: int
    clusters: int = 0  # rows of event_clusters: the events the coded rows tell

    @property
    def inputs(self) -> int:
        return self.articles + self.skipped


def list_inputs(patterns: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(input files, patterns that match nothing), as the read stage sees them."""
    by_stem: Dict[str, List[str]] = {}
    unmatched = []
    for pattern in patterns:
        try:
            paths = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
        except Exception:  # noqa: BLE001 -- the read stage dead-letters these as no_match
            paths = []
        broken = broken_links(pattern)  # dead-lettered as unreadable
        if not paths and not broken:
            unmatched.append(pattern)
        by_stem.update({link: [link] for link in broken})
        for path in paths:
            directory, stem, _ = split_path(path)
            by_stem.setdefault(directory + stem, []).append(path)
    files = sorted(p for paths in by_stem.values() for p in select_inputs(paths))
    return files, unmatched


def _file_of(source: str) -> str:
    return _LINE_SUFFIX.sub("", source)


def check(articles: Sequence[Mapping], events: Union[Mapping[str, int], Iterable[str]],
          dead_letters: Sequence[Mapping], patterns: Sequence[str],
          skipped: int = 0, skipped_sources: Collection[str] = ()) -> Accounts:
    """Check a run's rows against its input patterns; raise AccountingError.

    ``events``: the events table as a count of rows per ``article_id`` (see
    :func:`event_counts`), or the ``article_id`` of every row. Counts, not rows:
    the events table is the big one, and the check must not hold it in memory."""
    problems: List[str] = []
    counts = events if isinstance(events, Mapping) else Counter(events)

    def report(what: str, items) -> None:
        items = sorted(set(map(str, items)))
        if items:
            problems.append(f"{what} ({len(items)}): {', '.join(items[:_SHOWN])}")

    statuses = Counter(a["status"] for a in articles)
    report("unknown article status", set(statuses) - {"ok", "dead_letter"})
    report("inputs with more than one articles row",
           [s for s, n in Counter(a["source"] for a in articles).items() if n > 1])

    seen: Set[str] = set()
    for source in [a["source"] for a in articles] + list(skipped_sources):
        seen.update((source, _file_of(source)))
    files, unmatched = list_inputs(patterns)
    report("inputs without an articles row", [f for f in files + unmatched if f not in seen])

    dead_rows = [a for a in articles if a["status"] == "dead_letter"]
    dead_sources = {a["source"] for a in dead_rows}
    dead_ids = {a["article_id"] for a in dead_rows if a["article_id"] is not None}
    report("dead letters whose article is not dead-lettered",
           [d["source"] for d in dead_letters
            if not (d["source"] in dead_sources or d["article_id"] in dead_ids)])
    lettered = {d["source"] for d in dead_letters} | {d["article_id"] for d in dead_letters}
    report("dead-lettered articles without a dead letter",
           [a["source"] for a in dead_rows
            if a["source"] not in lettered and a["article_id"] not in lettered])

    ids = {a["article_id"] for a in articles}
    report("events of unknown articles", [i for i in counts if i not in ids])
    per_article = Counter()
    for a in articles:
        per_article[a["article_id"]] += a["n_events"]
    report("articles whose n_events differs from their rows in the events table",
           [i for i in ids if per_article[i] != counts.get(i, 0)])
    total = sum(counts.values())
    counted = sum(per_article.values())
    if counted != total:
        problems.append(f"articles count {counted} events, the events table has {total}")

    if problems:
        raise AccountingError("accounting: " + "; ".join(problems))
    return Accounts(articles=len(articles), ok=statuses.get("ok", 0),
                    dead_lettered=statuses.get("dead_letter", 0), skipped=skipped,
                    events=sum(counts.values()), dead_letters=len(dead_letters))


def event_counts(events) -> Dict[str, int]:
    """Rows per ``article_id`` of an events ``pyarrow.Table`` (read with that
    column alone), computed in Arrow: a few bytes per article, not per event."""
    if events.num_rows == 0:
        return {}
    vc = events.column("article_id").value_counts()
    return {v["values"].as_py(): v["counts"].as_py() for v in vc}


def check_clusters(events, clusters) -> int:
    """Check the cluster ids of a run's events against its ``event_clusters``
    table; return how many clusters there are. ``events``: a ``pyarrow.Table``
    with the ``coded`` and ``event_cluster_id`` columns; ``clusters``: one with
    ``event_cluster_id`` and ``n_mentions``. Counted in Arrow, per cluster, not
    per row. Raises AccountingError when a coded row has no id, a row that is
    not coded has one, or a cluster's ``n_mentions`` differs from its rows."""
    import pyarrow.compute as pc

    problems: List[str] = []
    coded = pc.fill_null(events.column("coded"), False)
    has_id = pc.is_valid(events.column("event_cluster_id"))
    missing = pc.sum(pc.and_(coded, pc.invert(has_id))).as_py() or 0
    extra = pc.sum(pc.and_(pc.invert(coded), has_id)).as_py() or 0
    if missing:
        problems.append(f"coded events without an event_cluster_id: {missing}")
    if extra:
        problems.append(f"events with an event_cluster_id that are not coded: {extra}")
    told: Dict[str, int] = {}
    if events.num_rows:
        for v in pc.drop_null(events.column("event_cluster_id")).value_counts():
            told[v["values"].as_py()] = v["counts"].as_py()
    counted = dict(zip(clusters.column("event_cluster_id").to_pylist(),
                       clusters.column("n_mentions").to_pylist()))
    if len(counted) != clusters.num_rows:
        problems.append("event_clusters has an id twice")
    wrong = sorted(i for i in set(told) | set(counted) if told.get(i, 0) != counted.get(i, 0))
    if wrong:
        problems.append(f"clusters whose n_mentions differs from their rows in the events "
                        f"table ({len(wrong)}): {', '.join(wrong[:_SHOWN])}")
    if problems:
        raise AccountingError("accounting: " + "; ".join(problems))
    return len(counted)
