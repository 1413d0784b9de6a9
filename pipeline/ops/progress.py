"""A run's progress on any runner: the workers report, the driver prints.

The rows stage (``pipeline.stages.rows``) counts the articles and events it
has turned into rows and, at most every few seconds and at the end of each
bundle, writes its running totals to ``<staging>/_progress/<worker>.json``
through Beam's ``FileSystems``. The driver (``ProgressMonitor``, a thread of
``pipeline.run.run``) sums those files every few seconds and prints
``progress: 120/2,000 articles (6%), 8,412 events, 4.1 articles/s, ETA 7m 38s``
on stderr, or draws a live bar (tqdm) when stderr is a terminal.

Why files and not Beam metrics: the local FnApiRunner hands out metrics only
when the run is over, and a Dataflow/Flink job's metrics need the runner's own
client; the staging folder is already where every worker writes and the
driver reads (docs/OPERATIONS.md), on every runner. The files go with the
staging folder when the run ends.
"""
from __future__ import annotations

import glob
import json
import os
import sys
import threading
import time
import uuid
from typing import Iterable, Optional, TextIO, Tuple

from pipeline.paths import is_glob, is_remote

PROGRESS_DIR = "_progress"


def progress_dir(staging: str) -> str:
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.join(staging, PROGRESS_DIR)


def expected_articles(inputs: Iterable[str]) -> Optional[int]:
    """How many articles the inputs hold, from local files alone: one per
    ``.txt``/``.html`` file, one per non-blank line of a ``.jsonl`` file
    (counted without parsing). None when an input is remote (no total, no ETA)."""
    from pipeline.inputs.listing import JSONL_EXTENSIONS, SUPPORTED_EXTENSIONS

    files = set()
    for pattern in inputs:
        if is_remote(pattern):
            return None
        files.update(glob.glob(pattern, recursive=True) if is_glob(pattern) else [pattern])
    total = 0
    for path in files:
        ext = os.path.splitext(path)[1].lower()
        if not os.path.isfile(path) or ext not in SUPPORTED_EXTENSIONS:
            continue
        if ext in JSONL_EXTENSIONS:
            with open(path, "rb") as f:
                total += sum(1 for line in f if line.strip())
        else:
            total += 1
    return total


class ProgressReport:
    """A worker's running totals, written to its own file in the progress folder."""

    def __init__(self, folder: str, every_s: float):
        self._folder, self._every = folder, every_s
        self._path: Optional[str] = None
        self.articles = self.events = 0
        self._written = 0.0

    def add(self, articles: int, events: int) -> None:
        self.articles += articles
        self.events += events
        if time.monotonic() - self._written >= self._every:
            self.write()

    def write(self) -> None:
        from apache_beam.io.filesystems import FileSystems

        if self._path is None:
            self._path = FileSystems.join(self._folder, f"{uuid.uuid4().hex}.json")
        with FileSystems.create(self._path) as f:
            f.write(json.dumps({"articles": self.articles, "events": self.events}).encode())
        self._written = time.monotonic()


def read_totals(folder: str) -> Tuple[int, int]:
    """(articles, events) over every worker's file; a file caught half-written
    is skipped this time round."""
    from apache_beam.io.filesystems import FileSystems

    articles = events = 0
    try:
        found = FileSystems.match([FileSystems.join(folder, "*.json")])[0].metadata_list
    except Exception:  # noqa: BLE001 -- no folder yet: nothing done yet
        return 0, 0
    for meta in found:
        try:
            with FileSystems.open(meta.path) as f:
                d = json.loads(f.read().decode())
            articles += int(d["articles"])
            events += int(d["events"])
        except Exception:  # noqa: BLE001
            continue
    return articles, events


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}h {s % 3600 // 60:02d}m" if s >= 3600 else \
        (f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s")


def progress_line(done: int, total: Optional[int], events: int, elapsed: float) -> str:
    """``progress: 120/2,000 articles (6%), 8,412 events, 4.1 articles/s, ETA 7m 38s``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    if total:
        head = f"{done:,}/{total:,} articles ({100 * done // total}%)"
    else:
        head = f"{done:,} articles"
    line = f"progress: {head}, {events:,} events, {rate:.1f} articles/s"
    if total and rate > 0 and done < total:
        line += f", ETA {_duration((total - done) / rate)}"
    return line


class ProgressMonitor(threading.Thread):
    """Prints the run's progress every ``every_s`` seconds until ``stop``."""

    def __init__(self, folder: str, total: Optional[int], every_s: float = 5.0,
                 stream: TextIO = None):
        super().__init__(name="progress", daemon=True)
        self._folder, self._total, self._every = folder, total, every_s
        self._stream = stream or sys.stderr
        self._done = threading.Event()
        self._start = time.monotonic()
        self._bar = None
        if getattr(self._stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="article", file=self._stream, dynamic_ncols=True)

    def _show(self) -> None:
        done, events = read_totals(self._folder)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            self._bar.set_postfix(events=f"{events:,}", refresh=True)
        else:
            self._stream.write(progress_line(done, self._total, events,
                                             time.monotonic() - self._start) + "\n")
            self._stream.flush()

    def run(self) -> None:
        while not self._done.wait(self._every):
            self._show()

    def stop(self) -> None:
        """The last line (or the bar at its end), then the thread ends."""
        self._done.set()
        self.join()
        self._show()
        if self._bar is not None:
            self._bar.close()
