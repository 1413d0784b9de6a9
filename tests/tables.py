"""Test helpers for table rows: build a checked ``pa.Table`` from row dicts,
and put rows in a deterministic order. Not used by the pipeline.

``rows_to_table`` checks every row with the sink's own ``check_row`` (what
``WriteTable`` runs on each row before it writes it), then builds the table
with pyarrow: a "rows fit the schema" test built on it checks exactly what a
run would check, and fails with the sink's error messages.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

import pyarrow as pa

from pipeline.stages.write import check_row, row_rules

SortKey = Callable[[Mapping[str, Any]], tuple]

#: An order to compare each table's rows in (the files hold them in
#: processing order): the ``ORDER BY`` a reader would use.
SORT_KEYS: Dict[str, SortKey] = {
    "events": lambda r: (r.get("article_id"), r.get("sentence_index"), r.get("action_start")),
    "articles": lambda r: (r.get("article_id"), r.get("source")),
    "dead_letters": lambda r: (r.get("source"), r.get("stage"), r.get("reason")),
    "event_clusters": lambda r: (r.get("event_cluster_id"),),
}


def _none_safe(key: tuple) -> tuple:
    """Make a tuple sortable when some items are None (None sorts first)."""
    return tuple((0, 0) if v is None else (1, v) for v in key)


def _canonical(row: Mapping[str, Any]) -> str:
    """A stable text form of a row, used to break sort-key ties."""
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


def sort_rows(rows: Iterable[Mapping[str, Any]],
              sort_key: Optional[SortKey] = None) -> List[Mapping[str, Any]]:
    """Rows in a total, deterministic order: by ``sort_key`` (None-safe), then
    by the row's canonical JSON form."""
    if sort_key is None:
        return sorted(rows, key=_canonical)
    return sorted(rows, key=lambda r: (_none_safe(tuple(sort_key(r))), _canonical(r)))


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema,
                  table: str = "") -> pa.Table:
    """``pa.Table`` of dict rows, each checked as the sink checks it.

    Raises the sink's ``ValueError`` (``check_row``) for a key that is not a
    column or a null (or missing key) in a non-nullable column; missing keys
    of nullable columns are nulls. Types are pyarrow's to check, as in the
    Parquet writer.
    """
    rows = list(rows)
    names, required = row_rules(schema)
    for row in rows:
        check_row(row, names, required, table)
    return pa.Table.from_pylist(rows, schema=schema)
