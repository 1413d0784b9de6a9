"""Reading the tables back (pipeline.ops.tables), on files written with pyarrow
alone: no Beam, no model. The sink's own files are read in test_write.py."""
import datetime as dt
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.ops.tables import (PART_FILE_RE, count_rows, head_rows, part_files, partition,
                                 read_partitioned, read_table, table_dir)
from schemas import DEAD_LETTERS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dead(i):
    return {"source": f"in/{i:03d}.txt", "article_id": None, "stage": "read",
            "reason": f"empty: {i}", "excerpt": ""}


def write_parts(folder, *counts, row_group_size=None):
    """One part file per count, numbered from 0, rows numbered across files;
    returns the rows in file order."""
    os.makedirs(folder, exist_ok=True)
    rows, start = [], 0
    for shard, n in enumerate(counts):
        part = [dead(start + i) for i in range(n)]
        pq.write_table(pa.Table.from_pylist(part, schema=DEAD_LETTERS),
                       os.path.join(folder, f"part-{shard:05d}-of-{len(counts):05d}.parquet"),
                       row_group_size=row_group_size)
        rows, start = rows + part, start + n
    return rows


def test_layout_names():
    assert partition(dt.date(2024, 6, 20)) == partition("2024-06-20") == "run_date=2024-06-20"
    assert table_dir("out", "events") == os.path.join("out", "events")
    assert table_dir("out", "events", "2024-06-20") == os.path.join("out", "events",
                                                                     "run_date=2024-06-20")
    assert table_dir("gs://b/out/", "events", dt.date(2024, 6, 20)) == \
        "gs://b/out/events/run_date=2024-06-20"
    assert PART_FILE_RE.match("part-00001-of-00002.parquet")
    assert not PART_FILE_RE.match("part-1-of-2.parquet")


def test_read_table_reads_part_files_in_name_order_and_nothing_else(tmp_path):
    folder = tmp_path / "dead_letters"
    rows = write_parts(folder, 3, 0, 2)  # the middle file is empty, as a shard may be
    # neither a stray file, nor a file of a folder inside, nor a hidden one is the table's
    pq.write_table(pa.Table.from_pylist([dead(99)], schema=DEAD_LETTERS), folder / "other.parquet")
    (folder / "beam-temp-part-1234").mkdir()
    pq.write_table(pa.Table.from_pylist([dead(98)], schema=DEAD_LETTERS),
                   folder / "beam-temp-part-1234" / "part-00000-of-00001.parquet")
    (folder / "part-00003-of-00003.parquet.tmp").write_bytes(b"junk")

    assert [os.path.basename(p) for p in part_files(str(tmp_path), "dead_letters")] == [
        f"part-0000{i}-of-00003.parquet" for i in range(3)]
    got = read_table(str(tmp_path), "dead_letters")
    assert got.to_pylist() == rows
    # the schema stored in the files: descriptions and table metadata included
    assert got.schema.equals(DEAD_LETTERS, check_metadata=True)
    assert got.schema.field("reason").metadata[b"description"]
    sub = read_table(str(tmp_path), "dead_letters", columns=["source", "stage"])
    assert sub.column_names == ["source", "stage"]
    assert sub.to_pylist() == [{"source": r["source"], "stage": r["stage"]} for r in rows]
    assert sub.schema.field("source").metadata == DEAD_LETTERS.field("source").metadata


def test_file_name_order_is_not_listing_order(tmp_path):
    folder = tmp_path / "dead_letters"
    folder.mkdir()
    for shard in (2, 0, 1):  # written last to first
        pq.write_table(pa.Table.from_pylist([dead(shard)], schema=DEAD_LETTERS),
                       folder / f"part-0000{shard}-of-00003.parquet")
    assert [r["source"] for r in read_table(str(tmp_path), "dead_letters").to_pylist()] == [
        "in/000.txt", "in/001.txt", "in/002.txt"]


def test_missing_table_raises_and_counts_nothing(tmp_path):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "notes.txt").write_text("not a part file")
    for table in ("events", "articles"):
        with pytest.raises(FileNotFoundError, match="no part-\\*.parquet files"):
            read_table(str(tmp_path), table)
        assert count_rows(str(tmp_path), table) == 0
        assert head_rows(str(tmp_path), table, 5) == []
    with pytest.raises(FileNotFoundError):
        read_partitioned(str(tmp_path), "events")


def test_count_rows_reads_footers_only(tmp_path):
    rows = write_parts(tmp_path / "dead_letters", 4, 3)
    assert count_rows(str(tmp_path), "dead_letters") == len(rows) == 7
    # footers only: a data page garbled after the footer was written goes unnoticed
    path = tmp_path / "dead_letters" / "part-00000-of-00002.parquet"
    data = bytearray(path.read_bytes())
    data[4:40] = b"\xff" * 36  # the first column chunk's page, just past the magic
    path.write_bytes(bytes(data))
    assert count_rows(str(tmp_path), "dead_letters") == 7
    with pytest.raises(Exception):
        read_table(str(tmp_path), "dead_letters")


def test_head_rows_stops_at_n(tmp_path):
    rows = write_parts(tmp_path / "dead_letters", 3, 4, row_group_size=2)
    assert head_rows(str(tmp_path), "dead_letters", 0) == []
    assert head_rows(str(tmp_path), "dead_letters", 2) == rows[:2]
    assert head_rows(str(tmp_path), "dead_letters", 5, columns=["source"]) == [
        {"source": r["source"]} for r in rows[:5]]
    assert head_rows(str(tmp_path), "dead_letters", 100) == rows
    # rows past the first n are never read: a garbled second file does not matter
    second = tmp_path / "dead_letters" / "part-00001-of-00002.parquet"
    second.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    assert head_rows(str(tmp_path), "dead_letters", 3) == rows[:3]


def test_read_table_of_one_partition_and_read_partitioned(tmp_path):
    base = tmp_path / "dead_letters"
    first = write_parts(base / "run_date=2024-06-20", 2, 1)
    second = write_parts(base / "run_date=2024-06-21", 1)
    (base / "run_date=2024-06-22").mkdir()  # an empty partition folder: no rows
    got = read_table(str(tmp_path), "dead_letters", dt.date(2024, 6, 21))
    assert got.to_pylist() == second and "run_date" not in got.column_names
    assert count_rows(str(tmp_path), "dead_letters", "2024-06-20") == 3
    assert head_rows(str(tmp_path), "dead_letters", 1, run_date="2024-06-20") == first[:1]

    every = read_partitioned(str(tmp_path), "dead_letters")
    assert every.column_names == DEAD_LETTERS.names + ["run_date"]
    assert every.schema.field("run_date").type == pa.string()
    assert every.to_pylist() == ([dict(r, run_date="2024-06-20") for r in first]
                                 + [dict(r, run_date="2024-06-21") for r in second])
    assert every.schema.field("reason").metadata == DEAD_LETTERS.field("reason").metadata
    # an unpartitioned table has no partition to read
    write_parts(tmp_path / "events", 1)
    with pytest.raises(FileNotFoundError, match="run_date="):
        read_partitioned(str(tmp_path), "events")


def test_file_uri_reads_like_a_path(tmp_path):
    """A path with "://" goes through pyarrow's filesystem of the URI."""
    rows = write_parts(tmp_path / "out" / "dead_letters", 2, 2)
    uri = (tmp_path / "out").as_uri()
    assert read_table(uri, "dead_letters").to_pylist() == rows
    assert count_rows(uri, "dead_letters") == 4
    assert part_files(uri, "dead_letters") == [
        f"{uri}/dead_letters/part-0000{i}-of-00002.parquet" for i in range(2)]


def test_readers_do_not_import_beam():
    code = ("import sys, pipeline.ops.tables; "
            "sys.exit(any(m.split('.')[0] == 'apache_beam' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_read_table_filters_while_scanning(tmp_path):
    """A filter keeps only the matching rows, across files, in file order (the
    summary and the report read only the coded events this way)."""
    import pyarrow.dataset as ds

    rows = write_parts(tmp_path / "dead_letters", 4, 3)
    wanted = {"in/001.txt", "in/005.txt", "in/006.txt"}
    got = read_table(str(tmp_path), "dead_letters", columns=["source"],
                     filter=ds.field("source").isin(sorted(wanted))).to_pylist()
    assert got == [{"source": r["source"]} for r in rows if r["source"] in wanted]
