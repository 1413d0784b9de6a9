"""Run-date partitions (--run-date) read back with Hive partitioning, and
incremental runs (--incremental, pipeline.ops.manifest) that process only what
is new or changed.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.ops import manifest
from pipeline.ops.tables import read_partitioned
from tests.ops_helpers import GOOD_1, GOOD_2, TABLES, cli, part_bytes, read_tables


def _news_folder(path: Path) -> Path:
    path.mkdir()
    (path / "one.txt").write_text(GOOD_1)
    (path / "two.txt").write_text(GOOD_2)
    (path / "feed.jsonl").write_text(
        json.dumps({"id": "f1", "text": "Kyiv said Moscow fired missiles."}) + "\n"
        + json.dumps({"id": "f2", "text": "NATO warned Belarus."}) + "\n")
    return path


def test_run_date_partitions_read_back_with_hive_partitioning(tmp_path, model_dir):
    src = _news_folder(tmp_path / "in")
    out = tmp_path / "out"
    assert cli("--input", src / "*", "--output", out, "--run-date", "2024-06-20",
               model_dir=model_dir) == 0
    assert cli("--input", src / "one.txt", "--output", out, "--run-date", "2024-06-21",
               model_dir=model_dir) == 0
    # one file per worker that wrote (two worker threads by default on 2+ cores), and for
    # the events as many again for the coded rows (written after the cluster stage)
    assert sorted({os.path.dirname(p) for p in part_bytes(out)}) == [
        f"{t}/run_date={d}" for t in sorted(TABLES) for d in ("2024-06-20", "2024-06-21")]
    assert all(re.fullmatch(r"part-0000\d-of-0000[1-4]\.parquet", os.path.basename(p))
               for p in part_bytes(out))
    arts = read_partitioned(str(out), "articles").to_pylist()
    assert sorted((a["run_date"], a["article_id"]) for a in arts) == [
        ("2024-06-20", "f1"), ("2024-06-20", "f2"), ("2024-06-20", "one"), ("2024-06-20", "two"),
        ("2024-06-21", "one")]
    # any Hive-aware reader sees the same (here pyarrow's own dataset reader)
    table = pq.read_table(str(out / "articles"), partitioning="hive")
    assert table.num_rows == 5 and "run_date" in table.column_names


def test_incremental_processes_only_what_is_new_or_changed(tmp_path, model_dir, capsys):
    src = _news_folder(tmp_path / "in")
    out = tmp_path / "out"

    def nightly(date):
        capsys.readouterr()
        # torch: int8 quantises each pass with that pass's range, so a re-run that batches
        # the articles otherwise may write slightly other rows (docs/PERFORMANCE.md).
        assert cli("--input", src / "*", "--output", out, "--run-date", date, "--incremental",
                   "--runtime", "torch", model_dir=model_dir) == 0
        return capsys.readouterr().out, read_tables(out, date)

    stdout, t1 = nightly("2024-06-20")
    assert [a["article_id"] for a in t1["articles"]] == ["f1", "f2", "one", "two"]
    assert "skipped (already processed): 0" in stdout
    entries = manifest.load(str(out))
    assert sorted((e["article_id"], e["run_date"]) for e in entries) == [
        (i, "2024-06-20") for i in ("f1", "f2", "one", "two")]

    stdout, t2 = nightly("2024-06-21")  # nothing new
    assert t2["articles"] == [] and t2["events"] == []
    assert "articles read: 0 (ok 0, dead-lettered 0)" in stdout
    assert "skipped (already processed): 4" in stdout

    (src / "two.txt").write_text(GOOD_2 + "Germany announced more aid for Ukraine.\n")
    (src / "three.txt").write_text("Japan welcomed the ceasefire.\n")
    stdout, t3 = nightly("2024-06-22")  # one changed, one new
    assert [a["article_id"] for a in t3["articles"]] == ["three", "two"]
    assert "skipped (already processed): 3" in stdout

    again_stdout, again = nightly("2024-06-22")  # re-running a date rebuilds it identically
    assert again == t3
    assert "skipped (already processed): 3" in again_stdout
    assert len(manifest.load(str(out))) == 6  # two.txt twice: old and new content
    # earlier partitions are untouched by later runs
    assert read_tables(out, "2024-06-20") == t1
