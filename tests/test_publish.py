"""Atomic, idempotent output (pipeline.ops.publish): a failed run publishes nothing
and leaves the previous output as it was; a re-run replaces the files with the
same bytes.
"""
from __future__ import annotations

import dataclasses
import os
import shutil

import pytest

from pipeline.config import RunConfig
from pipeline.ops.tables import PART_FILE_RE
from pipeline.run import run
from pipeline.stages.infer import TaggerModelHandler
from tests.ops_helpers import GOOD_1, GOOD_2, PUBLISHED, SEEDS, TABLES, cli, part_bytes


class LoadFailsHandler(TaggerModelHandler):
    """The model cannot be loaded on the worker: the whole run fails."""

    def load_model(self):
        raise RuntimeError("weights vanished")


def test_failed_run_leaves_previous_output_untouched(tmp_path, model_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD_1)
    out = tmp_path / "out"
    out.mkdir()
    cfg = RunConfig(inputs=[str(src / "*.txt")], output=str(out), model=model_dir, threads=1)
    run(cfg)
    before = part_bytes(out)
    # one file a table as it streams; what comes after the cluster stage's shuffle (the
    # coded events, event_clusters) in files of its own, one per worker that wrote
    assert sorted({os.path.dirname(p) for p in before}) == sorted(TABLES)
    assert [p for p in before if p.startswith(("articles/", "dead_letters/"))] == [
        "articles/part-00000-of-00001.parquet", "dead_letters/part-00000-of-00001.parquet"]
    assert all(PART_FILE_RE.match(os.path.basename(p)) for p in before)
    # (coded rows, when the article has any, in files of their own: this short one
    # codes none with the event head trained on both runtimes)
    assert len([p for p in before if p.startswith("events/")]) >= 1

    (src / "b.txt").write_text(GOOD_2)  # new input, then a run that dies
    with pytest.raises(Exception, match="weights vanished"):
        run(cfg, handler=LoadFailsHandler(model_dir))
    assert part_bytes(out) == before
    assert sorted(os.listdir(out)) == sorted(TABLES)  # no staging folder left

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(Exception, match="weights vanished"):
        run(dataclasses.replace(cfg, output=str(fresh)), handler=LoadFailsHandler(model_dir))
    assert list(fresh.rglob("*")) == []  # nothing where readers look, nothing at all


def test_weights_that_fail_at_load_exit_1_and_publish_nothing(tmp_path, model_dir, capsys):
    """Valid safetensors (the CLI's check passes) whose tensors do not fit the
    model: the failure comes from inside the pipeline, at model load."""
    from safetensors.numpy import save_file
    import numpy as np

    bad_model = tmp_path / "model"
    bad_model.mkdir()
    for name in ("tagger_config.json", "event_head.json", "event_head.safetensors"):
        shutil.copy(os.path.join(model_dir, name), bad_model)
    save_file({"not.a.weight": np.zeros(3, dtype=np.float32)}, str(bad_model / "model.safetensors"))
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, model_dir=str(bad_model)) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the loader's progress bar
    assert last.startswith("newsevents: error: run failed: ValueError: checkpoint does not match")
    assert list(out.rglob("*")) == []  # the folder exists (checked writable), empty


def test_rerun_gives_byte_identical_files(tmp_path, model_dir):
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, "--published", PUBLISHED, model_dir=model_dir) == 0
    first = part_bytes(out)
    assert cli("--input", SEEDS, "--output", out, "--published", PUBLISHED, model_dir=model_dir) == 0
    assert part_bytes(out) == first
    assert sorted(os.listdir(out)) == sorted(TABLES)
