"""The operator's command line: flags as schedulers write them, and the mistakes
(bad model folder, mixed output layouts, missing --run-date) that must end in
one line and exit code 2 before any work starts. More in test_e2e.py.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from tests.ops_helpers import SEEDS, cli


@pytest.mark.parametrize("weights, config, message", [
    (b"\x00garbage that is not safetensors", None, "model.safetensors is not a valid safetensors"),
    (None, b"{not json", "tagger_config.json is not valid"),
])
def test_corrupt_model_folder_is_one_line_exit_2(tmp_path, model_dir, capsys, weights, config,
                                                 message):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    if weights is not None:
        (folder / "model.safetensors").write_bytes(weights)
    if config is not None:
        (folder / "tagger_config.json").write_bytes(config)
    assert cli("--input", SEEDS, "--output", tmp_path / "o", model_dir=str(folder)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_truncated_weights_are_caught_before_the_run(tmp_path, model_dir, capsys):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    assert cli("--input", SEEDS, "--output", tmp_path / "o", model_dir=str(folder)) == 2
    assert "not a valid safetensors" in capsys.readouterr().err


def test_a_model_folder_without_event_head_is_one_line_and_exit_2(tmp_path, model_dir, capsys):
    """--model DIR without event_head.*: the run would fail at classify; say so first,
    and how to get one, unless the event head is switched off."""
    bare = tmp_path / "model"
    bare.mkdir()
    for name in ("tagger_config.json", "model.safetensors"):
        shutil.copy(os.path.join(model_dir, name), bare)
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, model_dir=str(bare)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no event head" in err[0] and "--no-event-types" in err[0]
    assert cli("--input", SEEDS, "--output", out, "--no-event-types", model_dir=str(bare)) == 0


def test_partitioned_and_unpartitioned_output_do_not_mix(tmp_path, model_dir, capsys):
    out = tmp_path / "o"
    (out / "events").mkdir(parents=True)
    (out / "events" / "part-00000-of-00001.parquet").write_bytes(b"")
    assert cli("--input", SEEDS, "--output", out, "--run-date", "2024-06-20",
               model_dir=model_dir) == 2
    assert "holds unpartitioned part files" in capsys.readouterr().err
    shutil.rmtree(out / "events")
    (out / "events" / "run_date=2024-06-20").mkdir(parents=True)
    assert cli("--input", SEEDS, "--output", out, model_dir=model_dir) == 2
    assert "partitioned by run date" in capsys.readouterr().err


def test_incremental_without_run_date_is_exit_2(tmp_path, model_dir, capsys):
    assert cli("--input", SEEDS, "--output", tmp_path / "o", "--incremental",
               model_dir=model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--incremental needs --run-date" in err[0]


def test_flags_as_airflow_writes_them():
    """BeamRunPythonPipelineOperator turns a list into repeated --key=value and
    True into a bare --key."""
    from pipeline.cli import build_parser
    from pipeline.config import config_from

    ns, beam_args = build_parser().parse_known_args(
        ["--runner=DirectRunner", "--input=a/*.txt", "--input=b/*.jsonl", "--output=out",
         "--run-date=2024-06-20", "--incremental", "--direct_num_workers=2"])
    cfg = config_from(ns)
    assert cfg.inputs == ["a/*.txt", "b/*.jsonl"]
    assert (cfg.run_date, cfg.incremental) == (dt.date(2024, 6, 20), True)
    assert beam_args == ["--runner=DirectRunner", "--direct_num_workers=2"]


# ------------------------------------------------------------ strict usage

@pytest.fixture
def no_run(monkeypatch):
    """The run must not start (so no model loads): ``pipeline.run.run`` raises if called."""
    import pipeline.run

    def refuse(*a, **k):
        raise AssertionError("the run started")

    monkeypatch.setattr(pipeline.run, "run", refuse)


@pytest.mark.parametrize("args, message", [
    (["--publised", "2024-06-20"], "unrecognized argument: --publised (did you mean --published?)"),
    (["--run_date", "2024-06-20"], "unrecognized argument: --run_date (did you mean --run-date?)"),
    (["--runer=DirectRunner"], "unrecognized argument: --runer (did you mean --runner?)"),
    (["stray.txt"], "unrecognized argument: stray.txt"),
])
def test_mistyped_flags_are_one_line_exit_2_before_the_run(tmp_path, model_dir, capsys, no_run,
                                                           args, message):
    assert cli("--input", SEEDS, "--output", tmp_path / "o", *args, model_dir=model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"newsevents: error: {message}"]


def test_beam_options_still_pass(tmp_path, model_dir):
    from pipeline.cli import build_parser, unknown_argument

    parser = build_parser()
    assert unknown_argument(["--runner=DirectRunner", "--direct_num_workers", "2",
                             "--direct_running_mode=multi_threading"], parser) is None
    assert unknown_argument(["--temp_location", "gs://b/tmp", "--save_main_session"],
                            parser) is None


@pytest.mark.parametrize("make, message", [
    (lambda d: str(d / "nothing" / "*.txt"), "no input matches"),
    (lambda d: str(d / "missing.txt"), "input not found"),
    (lambda d: (d / "empty").mkdir() or str(d / "empty"), "holds no .htm/.html/.jsonl/.txt file"),
])
def test_inputs_that_name_nothing_are_exit_2_before_the_run(tmp_path, model_dir, capsys, no_run,
                                                            make, message):
    assert cli("--input", make(tmp_path), "--output", tmp_path / "o", model_dir=model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_a_folder_as_input_reads_the_supported_files_inside_it(tmp_path, model_dir):
    from pipeline.cli import config_from, build_parser, expand_inputs

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.jsonl", "c.HTML", "a.json", "notes.xyz", os.path.join("sub", "d.txt")):
        (folder / name).write_text("x")
    ns, _ = build_parser().parse_known_args(["--input", str(folder), "--output", "o"])
    cfg, problem = expand_inputs(config_from(ns))
    assert problem is None
    # not recursive; sidecars (.json) and other extensions are not inputs
    assert cfg.inputs == [str(folder / n) for n in ("a.txt", "b.jsonl", "c.HTML")]


def test_version_names_the_package_and_the_model(capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("newsevents ") and "tagger newsevents-srl-minilm@" in out


# ------------------------------------------------------------ progress

def test_progress_lines_for_a_40_article_run(tmp_path, model_dir, capsys):
    """N/TOTAL articles, events so far, rate and ETA, every --progress-every
    seconds on stderr (not a terminal here: lines, not a bar), ending at 40/40;
    --quiet prints none."""
    import json
    import re

    from tests.ops_helpers import GOOD_1, GOOD_2

    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"a{i}", "text": (GOOD_1, GOOD_2)[i % 2]}) + "\n"
                            for i in range(40)))
    assert cli("--input", feed, "--output", tmp_path / "o", "--published", "2024-06-20",
               "--progress-every", "0.2", model_dir=model_dir) == 0
    lines = [l for l in capsys.readouterr().err.splitlines() if l.startswith("progress: ")]
    assert lines, "no progress line"
    pat = re.compile(r"^progress: (\d+)/40 articles \((\d+)%\), ([\d,]+) events, [\d.]+ articles/s"
                     r"(, ETA \S+( \S+)?)?$")
    done = [int(pat.match(l).group(1)) for l in lines]
    assert all(pat.match(l) for l in lines), lines
    assert done == sorted(done) and done[-1] == 40  # never backwards, ends complete
    assert int(pat.match(lines[-1]).group(3).replace(",", "")) > 40  # events counted too
    assert cli("--input", feed, "--output", tmp_path / "q", "--quiet",
               model_dir=model_dir) == 0
    assert "progress:" not in capsys.readouterr().err


def test_progress_line_and_expected_articles(tmp_path):
    from pipeline.ops.progress import expected_articles, progress_line

    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n')
    (tmp_path / "c.xyz").write_text("x")
    assert expected_articles([str(tmp_path / "*")]) == 3
    assert expected_articles(["gs://bucket/*.txt"]) is None
    assert progress_line(120, 2000, 8412, 30.0) == (
        "progress: 120/2,000 articles (6%), 8,412 events, 4.0 articles/s, ETA 7m 50s")
    assert progress_line(5, None, 9, 1.0) == "progress: 5 articles, 9 events, 5.0 articles/s"
