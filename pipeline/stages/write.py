"""Parquet sinks: the events, articles and dead_letters tables.

Every table is written to ``<output_dir>/<table>/part-SSSSS-of-NNNNN.parquet``
with the schema from :mod:`schemas` (column descriptions included, as field
metadata), by Beam's ``WriteToParquet``, which streams: rows are buffered into
Arrow record batches and row groups of bounded size (``ROW_GROUP_BYTES``) and
written as they come, so writing never holds a whole table in memory.

* Files: by default (``num_shards=0``) one per bundle the runner processes —
  one file for a DirectRunner run with one worker, one per worker thread that
  wrote rows in the local default (two threads on 2+ cores), one per worker
  or bundle elsewhere. A fixed ``num_shards`` costs a shuffle of every row (Beam groups
  rows by shard), which is what this module avoids by default.
* Row order: the order in which the runner processed the articles, each
  article's events in text order. Readers that need an order sort:
  ``ORDER BY article_id, sentence_index, action_start`` (``SORT_KEYS``). A
  re-run over the same input gives the same rows (``event_id`` is a hash of
  article, sentence and predicate position), not necessarily the same files.
* An empty table still gets one valid, empty Parquet file with the schema.
* Every row is checked against the schema before it is written
  (``check_row``): a key that is not a column, or a null in a non-nullable
  column, is a bug, and fails the run rather than being dropped by pyarrow.

Earlier versions gathered each table on one worker and sorted it
(``CombineGlobally(ToList)``) for byte-identical files; that made peak memory
grow with the corpus (measured in BENCHMARKS.md) and was given up for flat
memory.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import WriteToParquet

import schemas

_LOG = logging.getLogger(__name__)

SHARD_NAME_TEMPLATE = "-SSSSS-of-NNNNN"
FILE_PREFIX = "part"
FILE_SUFFIX = ".parquet"
#: Matches the base name of a part file this module writes.
PART_FILE_RE = re.compile(r"^part-(\d{5})-of-(\d{5})\.parquet$")

SortKey = Callable[[Mapping[str, Any]], tuple]

#: The order in which to read each table's rows (``sort_rows``); the files
#: themselves are in processing order.
SORT_KEYS: Dict[str, SortKey] = {
    "events": lambda r: (
        r.get("article_id"),
        r.get("sentence_index"),
        r.get("action_start"),
    ),
    "articles": lambda r: (r.get("article_id"), r.get("source")),
    "dead_letters": lambda r: (r.get("source"), r.get("stage"), r.get("reason")),
}

#: The tables :class:`WriteOutputs` writes, with their schemas.
TABLES: Dict[str, pa.Schema] = dict(schemas.TABLES)


def _none_safe(key: tuple) -> tuple:
    """Make a tuple sortable when some items are None (None sorts first)."""
    return tuple((0, 0) if v is None else (1, v) for v in key)


def _canonical(row: Mapping[str, Any]) -> str:
    """A stable text form of a row, used to break sort-key ties."""
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


def sort_rows(
    rows: Iterable[Mapping[str, Any]], sort_key: Optional[SortKey] = None
) -> List[Mapping[str, Any]]:
    """Rows in a total, deterministic order: by ``sort_key`` (None-safe), then
    by the row's canonical JSON form."""
    if sort_key is None:
        return sorted(rows, key=_canonical)
    return sorted(rows, key=lambda r: (_none_safe(tuple(sort_key(r))), _canonical(r)))


def rows_to_table(
    rows: List[Mapping[str, Any]], schema: pa.Schema, table: str = ""
) -> pa.Table:
    """Build a ``pa.Table`` from dict rows, checking them against ``schema``.

    Raises ``ValueError`` for a key that is not a column (pyarrow would drop
    it silently) and for a null in a non-nullable top-level column (pyarrow
    would only fail later, inside the Parquet writer). Missing keys are nulls.
    """
    names = set(schema.names)
    for row in rows:
        unknown = set(row) - names
        if unknown:
            raise ValueError(
                f"{table or 'table'}: unknown column(s) {sorted(unknown)} in "
                f"row {_canonical(row)[:300]}"
            )
    result = pa.Table.from_pylist(list(rows), schema=schema)
    for f in schema:
        if not f.nullable and result.column(f.name).null_count:
            col = result.column(f.name)
            bad = next(i for i, v in enumerate(col.is_null().to_pylist()) if v)
            raise ValueError(
                f"{table or 'table'}: column {f.name!r} is not nullable but is "
                f"null (or missing) in row {_canonical(rows[bad])[:300]}"
            )
    return result


def _remove_stale_parts(_, written: List[str], table_dir: str) -> List[str]:
    """Delete part files in ``table_dir`` that this run did not write (left by
    an earlier run with another ``num_shards``); return the written paths."""
    keep = {posixpath.normpath(p) for p in written}
    pattern = FileSystems.join(table_dir, f"{FILE_PREFIX}-*{FILE_SUFFIX}")
    stale = []
    for match in FileSystems.match([pattern]):
        for meta in match.metadata_list:
            base = posixpath.basename(meta.path)
            if PART_FILE_RE.match(base) and posixpath.normpath(meta.path) not in keep:
                stale.append(meta.path)
    if stale:
        _LOG.warning(
            "Deleting %d stale part file(s) in %s: %s",
            len(stale),
            table_dir,
            sorted(stale),
        )
        FileSystems.delete(stale)
    return sorted(written)


#: Arrow bytes buffered per table and bundle before a row group is written.
ROW_GROUP_BYTES = 32 * 1024 * 1024


def check_row(row: Mapping[str, Any], names: frozenset, required: tuple, table: str) -> Mapping:
    """``row`` unchanged if it fits the schema; ``ValueError`` for a key that
    is not a column (pyarrow would drop it silently) or a null in a
    non-nullable column (the Parquet writer would fail later, less clearly)."""
    unknown = set(row) - names
    if unknown:
        raise ValueError(f"{table or 'table'}: unknown column(s) {sorted(unknown)} in "
                         f"row {_canonical(row)[:300]}")
    for name in required:
        if row.get(name) is None:
            raise ValueError(f"{table or 'table'}: column {name!r} is not nullable but is "
                             f"null (or missing) in row {_canonical(row)[:300]}")
    return row


class WriteTable(beam.PTransform):
    """Write a PCollection of row dicts as one Parquet table, streaming.

    Files: ``<output_dir>/<table>/part-SSSSS-of-NNNNN.parquet``; ``num_shards``
    0 (default) lets the runner decide (one file per bundle, no shuffle), N > 0
    fixes the count (and shuffles every row). An empty PCollection still yields
    a valid, empty Parquet file with ``schema``. Part files of the table that
    this run did not produce (from an earlier run into the same folder) are
    deleted, so the folder holds exactly this run's output.

    Output: a PCollection of the written file paths.
    """

    def __init__(
        self,
        output_dir: str,
        table: str,
        schema: pa.Schema,
        num_shards: int = 0,
        codec: str = "snappy",
    ):
        super().__init__()
        if num_shards < 0:
            raise ValueError("num_shards must be >= 0 (0: as many files as the runner's bundles)")
        self.output_dir = output_dir
        self.table = table
        self.schema = schema
        self.num_shards = num_shards
        self.codec = codec

    @property
    def table_dir(self) -> str:
        return FileSystems.join(self.output_dir, self.table)

    def expand(self, pcoll):
        names = frozenset(self.schema.names)
        required = tuple(f.name for f in self.schema if not f.nullable)
        written = (
            pcoll
            | "CheckRows" >> beam.Map(check_row, names, required, self.table)
            | "WriteParquet"
            >> WriteToParquet(
                FileSystems.join(self.table_dir, FILE_PREFIX),
                schema=self.schema,
                codec=self.codec,
                row_group_buffer_size=ROW_GROUP_BYTES,
                # "element" as the list item name, as the Parquet spec says;
                # the schemas name their list items that way too.
                use_compliant_nested_type=True,
                file_name_suffix=FILE_SUFFIX,
                num_shards=self.num_shards,
                shard_name_template=SHARD_NAME_TEMPLATE,
            )
        )
        return (
            pcoll.pipeline
            | "Once" >> beam.Create([None])
            | "RemoveStaleParts"
            >> beam.Map(
                _remove_stale_parts, beam.pvalue.AsList(written), self.table_dir
            )
        )


class WriteOutputs(beam.PTransform):
    """Write the pipeline's three tables under ``output_dir``.

    Input: a dict ``{"events": pcoll, "articles": pcoll, "dead_letters":
    pcoll}`` of row-dict PCollections. A table missing from the dict is
    written empty, so every run leaves all three tables. Output: a dict of
    table name to a PCollection holding the list of written file paths.
    """

    def __init__(self, output_dir: str, num_shards: int = 0):
        super().__init__()
        self.output_dir = output_dir
        self.num_shards = num_shards

    def expand(self, pcolls):
        unknown = set(pcolls) - set(TABLES)
        if unknown:
            raise ValueError(
                f"unknown table(s) {sorted(unknown)}; expected " f"{sorted(TABLES)}"
            )
        if not pcolls:
            raise ValueError("WriteOutputs needs at least one PCollection")
        pipeline = next(iter(pcolls.values())).pipeline
        results = {}
        for name, schema in TABLES.items():
            pcoll = pcolls.get(name)
            if pcoll is None:
                pcoll = pipeline | f"Empty_{name}" >> beam.Create([])
            results[name] = pcoll | f"Write_{name}" >> WriteTable(
                self.output_dir,
                name,
                schema,
                num_shards=self.num_shards,
            )
        return results


def partition(run_date) -> str:
    """The Hive-style folder of a run date, ``run_date=YYYY-MM-DD``: DuckDB,
    pyarrow.dataset and Spark read it back as a ``run_date`` column."""
    value = run_date.isoformat() if hasattr(run_date, "isoformat") else str(run_date)
    return f"run_date={value}"


def table_dir(output_dir: str, table: str, run_date=None) -> str:
    """``<output_dir>/<table>``, or its ``run_date=...`` partition folder."""
    base = FileSystems.join(output_dir, table)
    return base if run_date is None else FileSystems.join(base, partition(run_date))


def part_files(output_dir: str, table: str, run_date=None) -> List[str]:
    """Paths of the table's part files (of one ``run_date`` partition when
    given), sorted by name."""
    pattern = FileSystems.join(table_dir(output_dir, table, run_date),
                               f"{FILE_PREFIX}-*{FILE_SUFFIX}")
    paths = [
        m.path
        for r in FileSystems.match([pattern])
        for m in r.metadata_list
        if PART_FILE_RE.match(posixpath.basename(m.path))
    ]
    return sorted(paths)


def read_table(output_dir: str, table: str, run_date=None,
               columns: Optional[List[str]] = None) -> pa.Table:
    """Read all part files of ``<output_dir>/<table>/`` (or of its
    ``run_date=...`` partition) into one table, in file name order (rows in
    the order written; sort with ``sort_rows`` or in the query).

    The schema is the one stored in the files, field descriptions included.
    Raises ``FileNotFoundError`` when the table has no part file. To read all
    partitions at once, use :func:`read_partitioned`.
    """
    paths = part_files(output_dir, table, run_date)
    if not paths:
        raise FileNotFoundError(
            f"no {FILE_PREFIX}-*{FILE_SUFFIX} files in "
            f"{table_dir(output_dir, table, run_date)}"
        )
    tables = []
    for path in paths:
        with FileSystems.open(path) as f:
            tables.append(pq.read_table(f, columns=columns))
    return pa.concat_tables(tables)


def count_rows(output_dir: str, table: str, run_date=None) -> int:
    """Rows of a table, from the Parquet footers alone (no data read)."""
    total = 0
    for path in part_files(output_dir, table, run_date):
        with FileSystems.open(path) as f:
            total += pq.ParquetFile(f).metadata.num_rows
    return total


def head_rows(output_dir: str, table: str, n: int, columns: Optional[List[str]] = None,
              run_date=None) -> List[Dict[str, Any]]:
    """The first ``n`` rows of a table (in file order), reading no more than that."""
    rows: List[Dict[str, Any]] = []
    for path in part_files(output_dir, table, run_date):
        with FileSystems.open(path) as f:
            for batch in pq.ParquetFile(f).iter_batches(batch_size=max(1, n), columns=columns):
                rows += batch.to_pylist()[: n - len(rows)]
                if len(rows) >= n:
                    return rows
    return rows


def read_partitioned(output_dir: str, table: str) -> pa.Table:
    """Every ``run_date=...`` partition of a table as one table, with a
    ``run_date`` column (Hive partitioning), rows in (run_date, file) order."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(
        table_dir(output_dir, table),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("run_date", pa.string())]), flavor="hive"),
    )
    fragments = sorted(dataset.get_fragments(), key=lambda f: f.path)
    if not fragments:
        raise FileNotFoundError(f"no part files under {table_dir(output_dir, table)}")
    parts = []
    for frag in fragments:
        t = frag.to_table()
        run_date = ds.get_partition_keys(frag.partition_expression).get("run_date")
        parts.append(t.append_column("run_date", pa.array([run_date] * t.num_rows, pa.string())))
    return pa.concat_tables(parts)
