"""Parquet table schemas of the newsevents pipeline: the one source of truth.

Each table module (``events``, ``articles``, ``dead_letters``, ``clusters``) exposes
``SCHEMA: pa.Schema``. Every column (and every child field of a nested column)
carries a human-readable description in its field metadata under the key
``b"description"``; :func:`markdown_table` renders a schema as documentation.

This package imports nothing from the rest of the project, only pyarrow.
"""
from __future__ import annotations

from typing import Iterator, Optional, Tuple

import pyarrow as pa

DESCRIPTION_KEY = b"description"


def field(name: str, type_: pa.DataType, description: str,
          nullable: bool = True) -> pa.Field:
    """A ``pa.field`` with ``description`` stored as field metadata."""
    if not description or not description.strip():
        raise ValueError(f"field {name!r} needs a description")
    return pa.field(name, type_, nullable=nullable,
                    metadata={DESCRIPTION_KEY: description.encode("utf-8")})


def description(f: pa.Field) -> str:
    """The description stored in a field's metadata ("" when there is none)."""
    meta = f.metadata or {}
    return meta.get(DESCRIPTION_KEY, b"").decode("utf-8")


def _type_name(t: pa.DataType) -> str:
    """A compact type name: ``list<struct>`` rather than pyarrow's full form."""
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct"
    names = {pa.float32(): "float32", pa.float64(): "float64",
             pa.date32(): "date32", pa.bool_(): "bool"}
    return names.get(t, str(t))


def iter_fields(schema: pa.Schema) -> Iterator[Tuple[str, pa.Field]]:
    """Every field of ``schema`` with a dotted path, nested fields included.

    Children of a ``list<struct<...>>`` column ``roles`` are named
    ``roles[].label`` and so on.
    """
    def walk(prefix: str, f: pa.Field):
        yield prefix, f
        t = f.type
        suffix = ""
        while pa.types.is_list(t) or pa.types.is_large_list(t):
            t = t.value_type
            suffix += "[]"
        if pa.types.is_struct(t):
            for i in range(t.num_fields):
                child = t.field(i)
                yield from walk(f"{prefix}{suffix}.{child.name}", child)

    for f in schema:
        yield from walk(f.name, f)


def markdown_table(schema: pa.Schema, title: Optional[str] = None) -> str:
    """Render ``schema`` as a Markdown table of (column, type, description).

    Nested fields get their own rows (``roles[].label``). The type cell says
    ``, nullable`` for columns that may be null.
    """
    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = []
    if title:
        lines += [f"### {title}", ""]
    lines += ["| column | type | description |", "| --- | --- | --- |"]
    for path, f in iter_fields(schema):
        type_cell = _type_name(f.type) + (", nullable" if f.nullable else "")
        lines.append(f"| `{cell(path)}` | {cell(type_cell)} | "
                     f"{cell(description(f))} |")
    return "\n".join(lines) + "\n"


# Imported after the helpers above, which the table modules use.
from schemas.articles import SCHEMA as ARTICLES  # noqa: E402
from schemas.clusters import SCHEMA as EVENT_CLUSTERS  # noqa: E402
from schemas.dead_letters import SCHEMA as DEAD_LETTERS  # noqa: E402
from schemas.events import SCHEMA as EVENTS  # noqa: E402

TABLES = {"events": EVENTS, "articles": ARTICLES, "dead_letters": DEAD_LETTERS,
          "event_clusters": EVENT_CLUSTERS}

__all__ = [
    "ARTICLES", "DEAD_LETTERS", "EVENTS", "EVENT_CLUSTERS", "TABLES", "DESCRIPTION_KEY",
    "description", "field", "iter_fields", "markdown_table",
]
