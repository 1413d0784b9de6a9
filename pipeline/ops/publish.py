"""Atomic output: the pipeline writes into a staging folder; this moves it into place.

One job. Readers look at ``<output>/<table>/`` (or ``<output>/<table>/run_date=
YYYY-MM-DD/``). The pipeline never writes there: it writes its tables to
``<output>/.staging-<uuid>/<table>/``, and only once the whole pipeline has
succeeded (and its accounting checked) does :func:`publish` move each part file
into place:

* local folders: ``os.replace``, an atomic rename on the same filesystem, so a
  reader sees the old file or the new one, never half of one; the staging
  folder sits inside the output folder to be on the same filesystem;
* other filesystems (``gs://``, ``s3://``): Beam's ``FileSystems.rename``
  (copy, then delete, on object stores: not atomic per file, but still only
  after the run succeeded).

The part files to move are listed by :func:`pipeline.ops.tables.part_files`
(through pyarrow's filesystem of the path; see that module for the schemes it
reads), and moved and deleted with Beam's ``FileSystems``.

Part files of the destination that the new run did not write (an earlier run
with more shards) are deleted after the move. A run that fails leaves the
previous output as it was, and its staging folder is removed; a run that is
killed outright can leave a ``.staging-*`` folder behind, which readers skip
(Hive/Arrow/Spark readers ignore names starting with ``.`` or ``_``) and which
the next run of the same output removes once it is older than a day.

Moving table after table is not one transaction over the three tables: for the
instant between two renames a reader can see the new events with the old
articles. Readers that need the three tables consistent read once the run
has exited.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import time
import uuid
from typing import Iterable, List, Optional

from apache_beam.io.filesystems import FileSystems

from pipeline.ops.tables import PART_FILE_RE, part_files, table_dir
from pipeline.paths import is_remote

STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 24 * 3600


def layout_conflict(output: str, tables: Iterable[str], run_date=None) -> Optional[str]:
    """Why ``output`` cannot take this run's layout, or None.

    Unpartitioned part files and ``run_date=`` folders side by side in one table
    folder would read back as one broken dataset, so one output keeps one
    layout."""
    if is_remote(output):
        return None
    for table in tables:
        folder = os.path.join(output, table)
        if not os.path.isdir(folder):
            continue
        names = os.listdir(folder)
        if run_date is not None and any(PART_FILE_RE.match(n) for n in names):
            return f"{folder} holds unpartitioned part files: use another --output with --run-date"
        if run_date is None and any(n.startswith("run_date=") for n in names):
            return f"{folder} is partitioned by run date: pass --run-date, or use another --output"
    return None


def new_staging(output: str) -> str:
    """A fresh staging folder inside ``output`` (created for local paths)."""
    _remove_stale_staging(output)
    path = FileSystems.join(output, f"{STAGING_PREFIX}{uuid.uuid4().hex}")
    if not is_remote(path):
        os.makedirs(path)
    return path


def _remove_stale_staging(output: str) -> None:
    """Staging folders of killed runs, older than a day (so never a live run's)."""
    if is_remote(output) or not os.path.isdir(output):
        return
    for name in os.listdir(output):
        path = os.path.join(output, name)
        if (name.startswith(STAGING_PREFIX) and os.path.isdir(path)
                and time.time() - os.path.getmtime(path) > STALE_STAGING_SECONDS):
            shutil.rmtree(path, ignore_errors=True)


def move(src: str, dst: str) -> None:
    """Move the file ``src`` onto ``dst``, replacing it. Local paths:
    ``os.replace``, atomic on one filesystem (a reader sees the old file or the
    new one). Otherwise Beam's ``FileSystems``: delete, then rename (a copy and
    a delete on object stores, so not atomic)."""
    if not is_remote(src) and not is_remote(dst):
        os.replace(src, dst)
    else:
        if FileSystems.exists(dst):
            FileSystems.delete([dst])
        FileSystems.rename([src], [dst])


def publish(staging: str, output: str, tables: Iterable[str], run_date=None) -> List[str]:
    """Move every table's part files from ``staging`` into place; return their
    new paths. Raises ``FileNotFoundError`` if a table has no part file in
    ``staging`` (the pipeline did not finish: nothing is moved then)."""
    staged = {t: part_files(staging, t) for t in tables}
    missing = [t for t, paths in staged.items() if not paths]
    if missing:
        raise FileNotFoundError(f"no staged part files for {missing} in {staging}")
    published = []
    for table, paths in staged.items():
        dest = table_dir(output, table, run_date)
        if not is_remote(dest):
            os.makedirs(dest, exist_ok=True)
        names = {posixpath.basename(p) for p in paths}
        for path in paths:
            target = FileSystems.join(dest, posixpath.basename(path))
            move(path, target)
            published.append(target)
        stale = [p for p in part_files(output, table, run_date)
                 if posixpath.basename(p) not in names and PART_FILE_RE.match(posixpath.basename(p))]
        if stale:
            FileSystems.delete(stale)
    return published


def discard(staging: Optional[str]) -> None:
    """Remove a staging folder and whatever is left in it; never raises."""
    if not staging:
        return
    try:
        if not is_remote(staging):
            shutil.rmtree(staging, ignore_errors=True)
        else:  # object stores: a trailing "/" deletes everything under the prefix
            FileSystems.delete([staging.rstrip("/") + "/"])
    except Exception:  # noqa: BLE001 -- cleanup must not hide the run's own error
        pass
