"""``--incremental``: which articles earlier runs already processed.

One job: keep ``<output>/_manifest.jsonl``, one JSON object per line::

    {"article_id": "a1", "content_hash": "<sha256>", "source": "in/a1.txt", "run_date": "2024-06-20"}

for every article a run processed with status ``ok``, and filter the articles
of the next run against it, right after reading:

* an article whose ``(article_id, content_hash)`` is in the manifest under an
  *earlier or later* run date is skipped (counted, not written anywhere);
* a changed article has a new hash, so it is processed again;
* dead-lettered articles are never recorded, so they are retried every run
  (a fix to the code or the model then picks them up);
* entries of the run's *own* date are not used for skipping: re-running a date
  rebuilds its partition in full, identically, instead of emptying it.

The manifest is replaced atomically (write a temporary file, then rename) and
only after the run's tables were published: a run that dies before that leaves
the old manifest, and the next run simply does the work again (at least once,
never lost). The whole manifest is loaded into the driver and shipped to the
workers as a set (about 150 bytes per article): fine for a few hundred
thousand articles; beyond that, give each input folder its own output.
"""
from __future__ import annotations

import json
import uuid
from typing import FrozenSet, Iterable, List, Mapping, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from pipeline.ops.publish import move
from pipeline.paths import atomic_write, is_remote
from pipeline.records import Article

MANIFEST = "_manifest.jsonl"
COUNTER_NAMESPACE = "newsevents"
SKIPPED_COUNTER = "skipped_already_processed"

Key = Tuple[str, str]  # (article_id, content_hash)


def manifest_path(output: str) -> str:
    return FileSystems.join(output, MANIFEST)


def load(output: str) -> List[dict]:
    """The manifest's entries ([] when there is none yet)."""
    path = manifest_path(output)
    if not FileSystems.exists(path):
        return []
    with FileSystems.open(path) as f:
        lines = f.read().decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def skip_keys(entries: Iterable[Mapping], run_date) -> FrozenSet[Key]:
    """Keys to skip in a run for ``run_date`` (its own date's entries excluded)."""
    own = _date(run_date)
    return frozenset((e["article_id"], e["content_hash"]) for e in entries
                     if e.get("run_date") != own)


def _date(run_date) -> str:
    return run_date.isoformat() if hasattr(run_date, "isoformat") else str(run_date)


def update(output: str, entries: List[dict], article_rows: Iterable[Mapping], run_date) -> int:
    """Replace this run date's entries with its ``ok`` articles; return how many."""
    own = _date(run_date)
    new = sorted(
        ({"article_id": r["article_id"], "content_hash": r["content_hash"],
          "source": r["source"], "run_date": own}
         for r in article_rows if r["status"] == "ok" and r.get("content_hash")),
        key=lambda e: (e["article_id"], e["source"]))
    kept = [e for e in entries if e.get("run_date") != own]
    data = "".join(json.dumps(e, sort_keys=True) + "\n" for e in kept + new).encode("utf-8")
    path = manifest_path(output)
    if is_remote(path):
        tmp = FileSystems.join(output, f".{MANIFEST}.{uuid.uuid4().hex}.tmp")
        with FileSystems.create(tmp) as f:
            f.write(data)
        move(tmp, path)
    else:  # atomic: readers see the old manifest or the new one
        with atomic_write(path) as tmp, open(tmp, "wb") as f:
            f.write(data)
    return len(new)


class _SkipFn(beam.DoFn):
    def __init__(self, keys: FrozenSet[Key]):
        self._keys = keys
        self._skipped = Metrics.counter(COUNTER_NAMESPACE, SKIPPED_COUNTER)

    def process(self, article: Article):
        if (article.article_id, article.content_hash) in self._keys:
            self._skipped.inc()
            return
        yield article


class SkipProcessed(beam.PTransform):
    """Articles -> the articles not in ``keys``; the others are counted in the
    ``newsevents/skipped_already_processed`` counter (see :func:`skipped_count`)."""

    def __init__(self, keys: FrozenSet[Key]):
        super().__init__()
        self._keys = frozenset(keys)

    def expand(self, articles):
        return articles | "Skip" >> beam.ParDo(_SkipFn(self._keys))


def skipped_count(result) -> int:
    """The skip counter from a finished run's ``PipelineResult``."""
    from apache_beam.metrics.metric import MetricsFilter

    query = result.metrics().query(
        MetricsFilter().with_namespace(COUNTER_NAMESPACE).with_name(SKIPPED_COUNTER))
    total = 0
    for c in query["counters"]:
        try:
            value = c.committed
        except Exception:  # noqa: BLE001 -- runners without committed metrics
            value = None
        total += value if value is not None else (c.attempted or 0)
    return total
