"""The output tables on disk: their layout, and reading them back.

One job: everything that *reads* the pipeline's tables (the CLI summary, the
run's accounting over its staging folder, :mod:`pipeline.ops.publish`, bench
scripts, tests) goes through here. No Beam: pyarrow only (``pyarrow.dataset``
over ``pyarrow.fs``), so reading a table never imports the pipeline's runner.

Layout (written by the sink, :mod:`pipeline.stages.write`, which takes these
names from here)::

    <output>/<table>/part-SSSSS-of-NNNNN.parquet                   (no --run-date)
    <output>/<table>/run_date=YYYY-MM-DD/part-SSSSS-of-NNNNN.parquet  (--run-date)

Only files named like a part file (``PART_FILE_RE``) belong to a table: Beam's
``beam-temp-*`` folders, a killed run's leftovers or a stray file beside them
are never read. The readers hand ``pyarrow.dataset`` that explicit list, in
file name order, rather than a folder to discover.

Filesystems: a path with ``"://"`` (``gs://``, ``s3://``, ``abfs://``,
``file://``; ``hdfs://`` with a JVM and libhdfs) is opened with
``pyarrow.fs.FileSystem.from_uri``, the same resolution that
``pyarrow.dataset.dataset("gs://...")`` applies to a URI; any other path is
local. The listing of part files goes through that same
pyarrow filesystem, not Beam's ``FileSystems``: this module stays Beam-free,
at the price that a scheme only Beam knows (``azfs://``) cannot be read here
(nor, therefore, be a ``--output``: the run reads its staging tables back for
its accounting). Paths returned by :func:`part_files` keep the form they were
given in (``gs://bucket/out/events/part-...``), so Beam's ``FileSystems`` can
move and delete them (as :mod:`pipeline.ops.publish` does).

The files hold rows in the order the runner processed them: readers that need
an order sort, e.g. ``ORDER BY article_id, sentence_index, action_start``.
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Tuple

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from pipeline.paths import is_remote

FILE_PREFIX = "part"
FILE_SUFFIX = ".parquet"
#: Beam's shard name template for the part files (``-00000-of-00002``).
SHARD_NAME_TEMPLATE = "-SSSSS-of-NNNNN"
#: Matches the base name of a part file.
PART_FILE_RE = re.compile(r"^part-(\d{5})-of-(\d{5})\.parquet$")
#: Matches a part file's path below its table folder, in a run-date partition.
_PARTITIONED_PART_RE = re.compile(r"^run_date=[^/]+/part-\d{5}-of-\d{5}\.parquet$")
#: How a run-date partition reads back: a string column ``run_date``.
RUN_DATE_PARTITIONING = ds.partitioning(pa.schema([("run_date", pa.string())]), flavor="hive")


# ---------------------------------------------------------------- layout


def _join(base: str, *parts: str) -> str:
    """``os.path.join`` for local paths; ``/``-joined for URIs (as Beam's
    ``FileSystems.join`` does for both)."""
    if is_remote(base):
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])
    return os.path.join(base, *parts)


def partition(run_date) -> str:
    """The Hive-style folder of a run date, ``run_date=YYYY-MM-DD``: DuckDB,
    pyarrow.dataset and Spark read it back as a ``run_date`` column."""
    value = run_date.isoformat() if hasattr(run_date, "isoformat") else str(run_date)
    return f"run_date={value}"


def table_dir(output_dir: str, table: str, run_date=None) -> str:
    """``<output_dir>/<table>``, or its ``run_date=...`` partition folder."""
    base = _join(output_dir, table)
    return base if run_date is None else _join(base, partition(run_date))


def _filesystem(path: str) -> Tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem of ``path`` and the path inside it."""
    if is_remote(path):
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), os.path.abspath(path)


def _list(folder: str, pattern: "re.Pattern[str]", recursive: bool
          ) -> Tuple[pafs.FileSystem, str, List[str]]:
    """(filesystem, folder inside it, sorted relative paths of the files under
    ``folder`` that match ``pattern``); no files when the folder is missing."""
    fs, root = _filesystem(folder)
    infos = fs.get_file_info(pafs.FileSelector(root, allow_not_found=True, recursive=recursive))
    prefix = root.rstrip("/") + "/"
    names = sorted(
        info.path[len(prefix):]
        for info in infos
        if info.type == pafs.FileType.File and info.path.startswith(prefix)
        and pattern.match(info.path[len(prefix):])
    )
    return fs, root.rstrip("/"), names


def part_files(output_dir: str, table: str, run_date=None) -> List[str]:
    """Paths of the table's part files (of one ``run_date`` partition when
    given), sorted by name, in the form ``output_dir`` was given in."""
    folder = table_dir(output_dir, table, run_date)
    _, _, names = _list(folder, PART_FILE_RE, recursive=False)
    return [_join(folder, name) for name in names]


# --------------------------------------------------------------- readers


def _dataset(output_dir: str, table: str, run_date=None) -> Optional[ds.FileSystemDataset]:
    """The table's (or partition's) part files as one dataset, in file name
    order, with the schema stored in the first file; None without part files."""
    fs, root, names = _list(table_dir(output_dir, table, run_date), PART_FILE_RE,
                            recursive=False)
    if not names:
        return None
    return ds.dataset([f"{root}/{n}" for n in names], format="parquet", filesystem=fs)


def read_table(output_dir: str, table: str, run_date=None,
               columns: Optional[List[str]] = None, filter=None) -> pa.Table:
    """Read all part files of ``<output_dir>/<table>/`` (or of its
    ``run_date=...`` partition) into one table, in file name order (rows in
    the order written; sort in the query).

    The schema is the one stored in the files, field descriptions included.
    ``filter``: a ``pyarrow.dataset`` expression (``ds.field("coded") == True``)
    applied while scanning, so only the matching rows are ever held. Raises ``FileNotFoundError`` when the table has no part file. To read all
    partitions at once, use :func:`read_partitioned`.
    """
    dataset = _dataset(output_dir, table, run_date)
    if dataset is None:
        raise FileNotFoundError(
            f"no {FILE_PREFIX}-*{FILE_SUFFIX} files in {table_dir(output_dir, table, run_date)}")
    return dataset.to_table(columns=columns, filter=filter)


def count_rows(output_dir: str, table: str, run_date=None) -> int:
    """Rows of a table (0 without part files), from the Parquet footers alone:
    no data page is read."""
    dataset = _dataset(output_dir, table, run_date)
    return 0 if dataset is None else dataset.count_rows()


def head_rows(output_dir: str, table: str, n: int, columns: Optional[List[str]] = None,
              run_date=None) -> List[Dict[str, Any]]:
    """The first ``n`` rows of a table (in file order), reading no more than
    that: file after file, batches of at most ``n`` rows, no read-ahead, and
    no file opened once ``n`` rows are in (``Dataset.head`` would open every
    file's footer first)."""
    dataset = _dataset(output_dir, table, run_date)
    rows: List[Dict[str, Any]] = []
    if dataset is None or n <= 0:
        return rows
    for fragment in dataset.get_fragments():
        for batch in fragment.to_batches(schema=dataset.schema, columns=columns, batch_size=n,
                                         batch_readahead=0, fragment_readahead=0,
                                         use_threads=False):
            rows += batch.slice(0, n - len(rows)).to_pylist()
            if len(rows) >= n:
                return rows
    return rows


def read_partitioned(output_dir: str, table: str) -> pa.Table:
    """Every ``run_date=...`` partition of a table as one table, with a
    ``run_date`` string column (Hive partitioning), rows in (run_date, file)
    order. Raises ``FileNotFoundError`` when the table has no partition with a
    part file (an unpartitioned table is read with :func:`read_table`)."""
    folder = table_dir(output_dir, table)
    fs, root, names = _list(folder, _PARTITIONED_PART_RE, recursive=True)
    if not names:
        raise FileNotFoundError(f"no run_date=*/{FILE_PREFIX}-*{FILE_SUFFIX} files under {folder}")
    dataset = ds.dataset([f"{root}/{n}" for n in names], format="parquet", filesystem=fs,
                         partitioning=RUN_DATE_PARTITIONING, partition_base_dir=root)
    return dataset.to_table()
