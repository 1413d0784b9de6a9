"""The CLI on the seed article, read back from Parquet with pyarrow; and the
operator mistakes that must end in one line and exit code 2."""
import datetime as dt
import multiprocessing
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.ops.tables import read_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "seeds", "000_5da39cb2ce26b979.txt")

# Expectations the committed tagger (0.4.0) still misses. strict: a checkpoint that
# passes one turns its xfail into a failure, to be made a plain test.
STILL_MISSED = pytest.mark.xfail(strict=True, reason="the 0.4.0 tagger still misses this (see MODEL_CARD.md)")


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed_out")
    assert main(["--input", os.path.join(ROOT, "seeds", "*.txt"), "--output", str(out),
                 "--published", "2024-06-20", "--threads", "1",
                 # every frame: these tests check the decoding of reporting frames
                 # ("said Thursday") too; the default's frame gate: test_frame_gate.py
                 "--all-frames"]) == 0
    events = read_table(str(out), "events").to_pylist()
    return out, events


def _event(events, action, **fields):
    """The one event with this ``action`` whose ``fields`` equal the given values
    exactly (no substring matches: "He" must not find "The Russian president")."""
    found = [e for e in events if e["action"] == action
             and all(e[k] == v for k, v in fields.items())]
    assert len(found) == 1, f"{len(found)} {action!r} events with {fields}: " + repr(
        [(e["who"], e["action"], e["target"]) for e in events if e["action"] == action])
    return found[0]


def test_tables_and_accounting(seed_run):
    out, events = seed_run
    arts = read_table(str(out), "articles").to_pylist()
    assert [(a["article_id"], a["status"], a["published"]) for a in arts] == [
        ("000_5da39cb2ce26b979", "ok", dt.date(2024, 6, 20))]
    assert arts[0]["n_events"] == len(events) and arts[0]["n_sentences"] >= 10
    assert read_table(str(out), "dead_letters").num_rows == 0
    for table in ("articles", "dead_letters"):
        assert os.listdir(out / table) == ["part-00000-of-00001.parquet"]
    # the coded rows come after the cluster stage's shuffle, in files of their own (one
    # per worker that wrote), after the others'
    events_files = sorted(os.listdir(out / "events"))
    assert len(events_files) >= 2 and events_files[0].startswith("part-00000-of-")
    # the schema in the file is the one in schemas/, descriptions included
    from schemas import EVENTS

    for name in events_files:
        assert pq.read_schema(out / "events" / name).equals(EVENTS)


def test_offsets_slice_the_article(seed_run):
    _, events = seed_run
    text = open(SEED, encoding="utf-8").read()
    assert events
    for e in events:
        for col in ("who", "target", "object", "location"):
            if e[col] is not None:
                assert text[e[f"{col}_start"]:e[f"{col}_end"]] == e[col]
        for r in e["roles"]:
            assert text[r["start"]:r["end"]] == r["text"]
        assert e["action"].split()[0] == text[e["action_start"]:e["action_end"]].split()[0]


def test_said_thursday(seed_run):
    e = _event(seed_run[1], "said", who="Russian President Vladimir Putin")
    assert (e["date"], e["date_precision"], e["date_source"]) == (dt.date(2024, 6, 20), "day", "text")


def test_threatened_at_the_beginning_of_june(seed_run):
    e = _event(seed_run[1], "threatened", who="Mr. Putin")
    assert (e["date"], e["date_precision"]) == (dt.date(2024, 6, 1), "month")


def test_he_warned_south_korea(seed_run):
    e = _event(seed_run[1], "warned", who="He")
    assert e["target"] == "South Korea"  # the GOL argument, not the arms supplies


def test_seoul_announced_is_korea(seed_run):
    e = _event(seed_run[1], "announced", who="Seoul")
    assert e["target"] == ("that it would “reconsider” its policy banning such deliveries, in "
                           "reaction to the signing of a defense agreement between North Korea "
                           "and Russia on Wednesday")
    assert (e["who_resolved"], e["who_country"]) == ("Seoul", "KOR")
    assert e["negated"] is False and e["factuality"] == "asserted"


def test_russian_president_criticized_nato_an_accusation(seed_run):
    e = _event(seed_run[1], "criticized", who="The Russian president")
    assert e["target"] == "NATO’s expansion in Asia"
    assert (e["who_resolved"], e["who_country"]) == ("Vladimir Putin", "RUS")
    assert (e["target_resolved"], e["target_country"]) == ("NATO", "NATO")
    assert e["event_type"] == "ACCUSE"


@STILL_MISSED  # "from North Korea" is not an ARG2: 0.4.0 tags it ARGM-OTHER alone, and
# inside the seed keeps it in the ARG1 (target) span
def test_russia_had_not_requested(seed_run):
    e = _event(seed_run[1], "requested", who="Russia")
    assert e["negated"] is True
    assert e["target"] == "North Korea"
    assert e["object"] == "direct military involvement"


def test_signing_on_wednesday(seed_run):
    e = _event(seed_run[1], "signing")
    assert e["date"] == dt.date(2024, 6, 19)


def test_rerun_gives_identical_rows(seed_run, tmp_path):
    out, events = seed_run
    assert main(["--input", SEED, "--output", str(tmp_path), "--published", "2024-06-20",
                 "--threads", "1", "--all-frames"]) == 0
    assert read_table(str(tmp_path), "events").to_pylist() == events


@pytest.mark.parametrize("args, message", [
    (["--input", "/nonexistent/article.txt", "--output", "{tmp}"], "input not found"),
    (["--input", SEED, "--output", "{tmp}", "--published", "20-06-2024"], "YYYY-MM-DD"),
    (["--input", SEED, "--output", "{tmp}", "--model", "/nonexistent"], "model folder"),
    (["--input", SEED, "--output", "/proc/forbidden/out"], "cannot write output"),
    (["--output", "{tmp}"], "--input"),
    (["--input", SEED, "--output", "{tmp}", "--runtime", "tensorrt"], "--runtime"),
])
def test_operator_mistakes_are_one_line_and_exit_2(args, message, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path / "o")) for a in args]
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_the_cli_module_runs_as_the_package_does(tmp_path):
    """``python -m pipeline.cli`` is the same command as ``python -m pipeline``."""
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "--output", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "--input" in proc.stderr and "Traceback" not in proc.stderr


def test_warned_actors_countries_and_type(seed_run):
    e = _event(seed_run[1], "warned", who="He")
    assert (e["who_resolved"], e["who_country"]) == ("Vladimir Putin", "RUS")
    assert e["target_country"] == "KOR"
    assert [(a["name"], a["country"], a["sector"]) for a in e["who_actors"]] == [
        ("Vladimir Putin", "RUS", "GOV")]
    assert [(a["text"], a["country"]) for a in e["target_actors"]] == [("South Korea", "KOR")]
    assert e["event_type"] == "THREATEN" and 0.0 < e["event_type_score"] <= 1.0


def test_delivered_it_is_kyiv(seed_run):
    """"the Western missiles delivered to it": kyiv (Ukraine), not the United
    States, which is one of "the United States and several European countries"."""
    e = _event(seed_run[1], "delivered", target="it")
    assert (e["target_resolved"].lower(), e["target_country"]) == ("kyiv", "UKR")
    assert [a["country"] for a in e["target_actors"]] == ["UKR"]


def test_the_default_two_worker_threads_write_the_events_of_one_worker(tmp_path):
    """The local default of a long run on 2+ cores (pipeline.runtime.workers; a
    run this short gets it with ``--model-process``): two DirectRunner workers
    as threads of one process, sharing one event typer (RunInference's shared
    handle) and one tagger process that runs both threads' calls at once. The
    events must be those of a one-worker run with the tagger in the
    worker (``--direct_num_workers=1``): the same ids, text, spans, labels and
    codes, and scores to float noise (other batches pad differently, which
    moves the last digits of the sums)."""
    text = open(SEED, encoding="utf-8").read()
    inputs = tmp_path / "in"
    inputs.mkdir()
    for k in range(4):  # four articles, so that both workers get some
        (inputs / f"article_{k}.txt").write_text(text if k % 2 == 0 else text[: len(text) // 2],
                                                 encoding="utf-8")
    # torch: onnx-int8 quantises each pass's activations with that pass's range, so
    # other batches give slightly other frames (docs/PERFORMANCE.md)
    common = ["--input", str(inputs / "*.txt"), "--published", "2024-06-20", "--threads", "1",
              "--runtime", "torch"]
    assert main(common + ["--output", str(tmp_path / "one"), "--direct_num_workers=1"]) == 0
    assert main(common + ["--output", str(tmp_path / "two"), "--model-process"]) == 0
    assert multiprocessing.active_children() == []  # the tagger process ended with the run

    def events(folder):
        return sorted(read_table(str(folder), "events").to_pylist(), key=lambda e: e["event_id"])

    def without_floats(value, floats):
        if isinstance(value, float):
            floats.append(value)
            return "<float>"
        if isinstance(value, dict):
            return {k: without_floats(v, floats) for k, v in value.items()}
        if isinstance(value, list):
            return [without_floats(v, floats) for v in value]
        return value

    one, two = events(tmp_path / "one"), events(tmp_path / "two")
    assert len({e["article_id"] for e in one}) == 4 and len(one) > 40
    scores_one, scores_two = [], []
    assert without_floats(two, scores_two) == without_floats(one, scores_one)
    assert scores_two == pytest.approx(scores_one, abs=1e-3)


def test_one_worker_with_the_tagger_in_it_writes_the_same_events(seed_run, tmp_path):
    """The seed run is the local default for a short run (two worker threads,
    the tagger in the worker: pipeline.runtime.workers.MODEL_PROCESS_MIN_ARTICLES).
    One worker with the tagger in it gives the same batches, hence the same rows;
    no child process is left behind."""
    out, events = seed_run
    assert multiprocessing.active_children() == []
    assert main(["--input", os.path.join(ROOT, "seeds", "*.txt"), "--output", str(tmp_path),
                 "--published", "2024-06-20", "--threads", "1", "--direct_num_workers=1",
                 "--all-frames"]) == 0
    # the same rows; the coded ones (after the cluster stage's shuffle) spread over as many
    # files as workers wrote them, so the file order differs
    by_id = lambda rows: sorted(rows, key=lambda e: e["event_id"])  # noqa: E731
    assert by_id(read_table(str(tmp_path), "events").to_pylist()) == by_id(events)


def test_seed_coded_events(seed_run):
    """The events an analyst counts on the seed: the threats and the criticism,
    not the negated request, and no state, copula or nominal that names no happening."""
    events = seed_run[1]
    coded = [(e["action"], e["event_type"]) for e in events if e["coded"]]
    assert ("warned", "THREATEN") in coded
    assert ("criticized", "ACCUSE") in coded
    assert ("threatened", "THREATEN") in coded
    requested = _event(events, "requested", who="Russia")
    assert requested["factuality"] == "negated" and requested["coded"] is False
    assert not [a for a, _ in coded if a.lower() in {"is", "be", "error", "mistake", "possibility"}]
    # every coded row is an event with a type, an agent, and that happened (or was announced)
    for e in events:
        if e["coded"]:
            assert e["is_event"] and e["event_type"] != "OTHER" and e["who"]
            assert e["factuality"] in ("asserted", "future")
    # the table still holds every frame: coded is a filter, not a cut
    assert len(coded) < len(events) / 2
    # the run summary counts the coded events by type
    from pipeline.cli import summary

    text = summary(str(seed_run[0]))
    n_threats = sum(1 for _, t in coded if t == "THREATEN")
    assert f"coded events: {len(coded)} (" in text and f"THREATEN {n_threats}" in text
    # ... and says who acted most, on whom, when, and shows coded events first
    lines = text.splitlines()
    assert "  top actors: Vladimir Putin " in text
    assert "RUS->KOR 1" in text  # "warned South Korea"
    assert "  dates covered: 2024-06-01 to 2024-06-20" in lines
    first = lines[lines.index("first coded events:") + 3:]
    assert len(first) == len(coded) and all(l.split()[-1].startswith("2024-06") for l in first)


def test_library_noise_stays_out_of_the_console(tmp_path):
    """A real run as the operator starts it, with the tagger in its own process:
    Beam's "apitools not found" warning (printed by the tagger process when it
    imports Beam) is not on the console but in --log-file, with Beam's INFO
    lines; the console has the progress and nothing from the libraries."""
    log = tmp_path / "run.log"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "--input", SEED, "--output", str(tmp_path / "o"),
         "--published", "2024-06-20", "--model-process", "--log-file", str(log)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert proc.returncode == 0, proc.stderr
    assert "apitools" not in proc.stderr and "WARNING:root" not in proc.stderr, proc.stderr
    assert "progress: 1/1 articles" in proc.stderr
    text = log.read_text()
    assert "apitools not found" in text  # the tagger process's stderr
    assert " INFO apache_beam" in text  # the run's own log at INFO
    bad = subprocess.run([sys.executable, "-m", "pipeline", "--input", SEED, "--output",
                          str(tmp_path / "p"), "--log-file", "/proc/forbidden/run.log"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "cannot write log file" in bad.stderr
