"""Parquet sinks: the events, articles, dead_letters and event_clusters tables.

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
  ``ORDER BY article_id, sentence_index, action_start``. A
  re-run over the same input gives the same rows (``event_id`` is a hash of
  article, sentence and predicate position), not necessarily the same files.
* An empty table still gets one valid, empty Parquet file with the schema.
* Every row is checked against the schema before it is written
  (``check_row``): a key that is not a column, or a null in a non-nullable
  column, is a bug, and fails the run rather than being dropped by pyarrow.

* A table given as a tuple of PCollections (the events: the rows that are not
  coded, straight from the fused stage, and the coded rows after the cluster
  stage's shuffle) is written by one sink per part, each into a hidden folder
  ``<table>/_partN/``, and the files are then renamed into one numbering
  (``GatherParts``): no ``Flatten`` in front of the sink, which the local runner
  would materialise whole. Empty files are dropped when another part has rows,
  and each part's files are named in an order read from their footers (their
  smallest id), not in the order of the sink's random temporary names: rows
  that come after a shuffle (the coded events, ``event_clusters``, given as a
  tuple of one) land in the same files on every run of the same input. So a
  run with coded events writes the events table as at least two files.

Earlier versions gathered each table on one worker and sorted it
(``CombineGlobally(ToList)``) for byte-identical files; that made peak memory
grow with the corpus (measured in BENCHMARKS.md) and was given up for flat
memory.

Reading the tables back, and the file layout both sides share (``PART_FILE_RE``,
``table_dir``, ``partition``), is :mod:`pipeline.ops.tables` (no Beam).
"""

from __future__ import annotations

import json
import logging
import posixpath
from typing import Any, Dict, List, Mapping, Tuple

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import WriteToParquet

import schemas
from pipeline.ops.tables import FILE_PREFIX, FILE_SUFFIX, PART_FILE_RE, SHARD_NAME_TEMPLATE

_LOG = logging.getLogger(__name__)

#: The tables :class:`WriteOutputs` writes, with their schemas.
TABLES: Dict[str, pa.Schema] = dict(schemas.TABLES)


def _canonical(row: Mapping[str, Any]) -> str:
    """A stable text form of a row, for error messages."""
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


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


#: The hidden folder of one part of a table written from several PCollections.
PART_FOLDER = "_part"


def _footer_key(path: str) -> Tuple[bool, str, str]:
    """How a part file sorts among its part's files, from its footer alone:
    empty files last, then by the smallest value of the first column (an id:
    ``event_id``, ``event_cluster_id``), so that the same rows get the same
    file name on every run, whatever names the sink gave them."""
    import pyarrow.parquet as pq
    from apache_beam.io.filesystem import CompressionTypes

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        meta = pq.read_metadata(f)
    firsts = [str(s.min) for s in (meta.row_group(i).column(0).statistics
                                   for i in range(meta.num_row_groups))
              if s is not None and s.has_min_max]
    return meta.num_rows == 0, min(firsts, default=""), path


def _gather_parts(_, table_dir: str, *written: List[str]) -> List[str]:
    """Rename the part files of a table written in parts (``written``: each
    part's paths, in part order) into ``<table_dir>/part-SSSSS-of-NNNNN``, one
    numbering: part by part, each part's files in a stable order
    (``_footer_key``). Empty files are deleted unless no part has rows (then one
    stays, so the table has its schema). Then delete the part folders and the
    part files of an earlier run; return the new paths."""
    files = []
    for paths in written:
        files += sorted((_footer_key(p) for p in paths if FileSystems.exists(p)))
    keep = [path for empty, _, path in files if not empty] or [p for _, _, p in files[:1]]
    drop = [path for _, _, path in files if path not in keep]
    if drop:
        FileSystems.delete(drop)
    targets = [FileSystems.join(table_dir, f"{FILE_PREFIX}-{i:05d}-of-{len(keep):05d}{FILE_SUFFIX}")
               for i in range(len(keep))]
    if keep:
        FileSystems.rename(keep, targets)
    folders = [FileSystems.join(table_dir, f"{PART_FOLDER}{i}") for i in range(len(written))]
    folders = [f for f in folders if FileSystems.exists(f)]
    if folders:
        FileSystems.delete(folders)
    return _remove_stale_parts(None, targets, table_dir)


#: Arrow bytes buffered per table and bundle before a row group is written.
ROW_GROUP_BYTES = 32 * 1024 * 1024


def row_rules(schema: pa.Schema) -> Tuple[frozenset, tuple]:
    """``(names, required)`` of ``schema`` for :func:`check_row`: its column
    names, and the columns that must not be null."""
    return frozenset(schema.names), tuple(f.name for f in schema if not f.nullable)


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

    def _write(self, pcoll, folder: str, suffix: str = ""):
        names, required = row_rules(self.schema)
        return (
            pcoll
            | f"CheckRows{suffix}" >> beam.Map(check_row, names, required, self.table)
            | f"WriteParquet{suffix}"
            >> WriteToParquet(
                FileSystems.join(folder, FILE_PREFIX),
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

    def expand(self, pcoll):
        """``pcoll``: the rows, or a tuple of PCollections of rows written as the
        parts of one table, in stable file names (see the module's docstring)."""
        if not isinstance(pcoll, (tuple, list)):
            written = self._write(pcoll, self.table_dir)
            return (
                pcoll.pipeline
                | "Once" >> beam.Create([None])
                | "RemoveStaleParts"
                >> beam.Map(
                    _remove_stale_parts, beam.pvalue.AsList(written), self.table_dir
                )
            )
        parts = [
            self._write(part, FileSystems.join(self.table_dir, f"{PART_FOLDER}{i}"), str(i))
            for i, part in enumerate(pcoll)
        ]
        return (
            pcoll[0].pipeline
            | "Once" >> beam.Create([None])
            | "GatherParts"
            >> beam.Map(_gather_parts, self.table_dir, *map(beam.pvalue.AsList, parts))
        )


class WriteOutputs(beam.PTransform):
    """Write the pipeline's tables (``TABLES``) under ``output_dir``.

    Input: a dict ``{"events": pcoll, "articles": pcoll, "dead_letters":
    pcoll, "event_clusters": pcoll}`` of row-dict PCollections; a value may
    also be a tuple of PCollections, the parts of one table (``WriteTable``).
    A table missing from the dict is written empty, so every run leaves all
    the tables. Output: a dict of table name to a PCollection holding the list
    of written file paths.
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
        first = next(iter(pcolls.values()))
        pipeline = (first[0] if isinstance(first, (tuple, list)) else first).pipeline
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
