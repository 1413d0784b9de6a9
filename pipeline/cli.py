"""``python -m pipeline`` / ``newsevents``: argument parsing, one-line errors, run summary.

Operator mistakes (a missing input file, an output folder that cannot be
written, a missing or corrupt model folder, a bad flag value, mixing partitioned
and unpartitioned output) end with one line on stderr and exit code 2, before
any work starts. Bad *articles* never stop a run: they become dead-letter rows.

Exit codes: 0 done and published; 1 the run failed (the previous output is left
as it was); 2 operator mistake; 130 interrupted.
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import glob
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from typing import List, Optional, Tuple

from pipeline.config import add_arguments, config_from
from pipeline.paths import is_glob, is_remote

PROG = "newsevents"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too: keep it short)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Extract who/action/target/date events from news "
                "articles into Parquet (events/, articles/, dead_letters/, event_clusters/).",
                epilog="Any other --flag is a Beam pipeline option, e.g. --runner=DirectRunner "
                       "--direct_num_workers=2 --direct_running_mode=multi_processing.")
    add_arguments(p)
    p.add_argument("--version", action=_Version, nargs=0,
                   help="print the package's and the model's versions and exit")
    return p


class _Version(argparse.Action):
    """``--version``: one line, unwrapped, read only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit(0)


def version_text() -> str:
    """``newsevents 0.1.0 (tagger name@version, event head ...)``, from the
    installed package's metadata and the packaged model's config files."""
    from importlib.metadata import PackageNotFoundError, version

    from pipeline.tagger import CHECKPOINT_DIR, model_name

    try:
        package = version("newsevents")
    except PackageNotFoundError:  # run from a checkout that is not installed
        package = "unknown"
    parts = []
    try:
        parts.append(f"tagger {model_name(CHECKPOINT_DIR)}")
        with open(os.path.join(CHECKPOINT_DIR, "event_head.json"), encoding="utf-8") as f:
            head = json.load(f)
        parts.append(f"event head on layer {head.get('layer')}, "
                     f"{head.get('extra', {}).get('gold_dev_rows', '?')} dev + "
                     f"{head.get('extra', {}).get('gold_training_only_rows', '?')} training gold rows")
    except (OSError, ValueError):
        parts.append("no packaged model found")
    return f"{PROG} {package} ({'; '.join(parts)})"


def unknown_argument(beam_args: List[str], parser: argparse.ArgumentParser) -> Optional[str]:
    """What is wrong with the arguments argparse did not take, or None.

    They go to Beam as pipeline options, so each must be an option Beam knows
    (``--runner=...``, ``--direct_num_workers 2``) or the value of the one
    before it; anything else is a typo of ours or Beam's, told in one line with
    the nearest flag ("--publised" -> "did you mean --published?")."""
    if not beam_args:
        return None
    from apache_beam.options.pipeline_options import PipelineOptions

    beam = set(PipelineOptions([]).get_all_options())
    ours = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    previous_takes_value = False
    for arg in beam_args:
        if not arg.startswith("-"):
            if previous_takes_value:
                previous_takes_value = False
                continue
            return f"unrecognized argument: {arg}"
        name, has_value = arg.split("=", 1)[0], "=" in arg
        if name.startswith("--") and name[2:] in beam:
            previous_takes_value = not has_value
            continue
        close = difflib.get_close_matches(name, ours + [f"--{o}" for o in beam], n=1, cutoff=0.7)
        return f"unrecognized argument: {name}" + (f" (did you mean {close[0]}?)" if close else "")
    return None


def expand_inputs(cfg) -> Tuple[object, Optional[str]]:
    """The run config with each local folder among the inputs replaced by the
    supported files directly inside it (not recursive), and the first local
    input that names nothing: a missing file, a glob that matches nothing, a
    folder without any supported file. Remote paths are matched by Beam."""
    from pipeline.inputs.listing import SUPPORTED_EXTENSIONS

    inputs: List[str] = []
    for pattern in cfg.inputs:
        if is_remote(pattern):
            inputs.append(pattern)
        elif os.path.isdir(pattern):
            files = sorted(os.path.join(pattern, n) for n in os.listdir(pattern)
                           if os.path.splitext(n)[1].lower() in SUPPORTED_EXTENSIONS
                           and os.path.isfile(os.path.join(pattern, n)))
            if not files:
                kinds = "/".join(sorted(SUPPORTED_EXTENSIONS))
                return cfg, f"input folder {pattern} holds no {kinds} file"
            inputs += files
        elif is_glob(pattern):
            if not glob.glob(pattern, recursive=True):
                return cfg, f"no input matches {pattern}"
            inputs.append(pattern)
        elif not os.path.lexists(pattern):
            return cfg, f"input not found: {pattern}"
        else:
            inputs.append(pattern)
    return dataclasses.replace(cfg, inputs=list(dict.fromkeys(inputs))), None


def _check(cfg) -> Optional[str]:
    """The operator mistakes we can see before starting; None when all is well."""
    from pipeline.nlp.events.head import missing_head

    problem = _check_model(cfg.model) or (missing_head(cfg.model) if cfg.type_events else None)
    if problem:
        return problem
    if cfg.incremental and cfg.run_date is None:
        return "--incremental needs --run-date YYYY-MM-DD (the partition that gets the new rows)"
    from pipeline.ops.publish import layout_conflict
    from pipeline.stages.write import TABLES

    conflict = layout_conflict(cfg.output, TABLES, cfg.run_date)
    if conflict:
        return conflict
    if not is_remote(cfg.output):
        try:
            os.makedirs(cfg.output, exist_ok=True)
            probe = os.path.join(cfg.output, ".write-test")
            with open(probe, "w"):
                pass
            os.remove(probe)
        except OSError as e:
            return f"cannot write output folder {cfg.output}: {e.strerror or e}"
    if cfg.log_file:
        try:
            with open(cfg.log_file, "a"):
                pass
        except OSError as e:
            return f"cannot write log file {cfg.log_file}: {e.strerror or e}"
    return None


def _check_model(model: str) -> Optional[str]:
    """The model folder has a JSON config and a readable safetensors file.

    Only the safetensors header is read (no tensor, no code), so this is cheap
    and catches a truncated or garbage weights file before any work starts."""
    config, weights = (os.path.join(model, n) for n in ("tagger_config.json", "model.safetensors"))
    for path in (config, weights):
        if not os.path.isfile(path):
            return f"model folder {model} has no {os.path.basename(path)}"
    try:
        with open(config, encoding="utf-8") as f:
            if not isinstance(json.load(f), dict):
                raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        return f"model folder {model}: tagger_config.json is not valid: {_one_line(e)}"
    try:
        from safetensors import safe_open

        with safe_open(weights, framework="numpy") as f:
            if not list(f.keys()):
                raise ValueError("no tensors")
    except Exception as e:  # noqa: BLE001 -- SafetensorError, OSError, ...
        return f"model folder {model}: model.safetensors is not a valid safetensors file: {_one_line(e)}"
    return None


def _one_line(e: Exception) -> str:
    """The message's last line, past Beam's " [while running 'Step']" trailer."""
    lines = [l for l in str(e).strip().splitlines()
             if l.strip() and not l.strip().startswith("[while running")]
    return lines[-1].strip() if lines else type(e).__name__


def _failure(e: Exception) -> str:
    """"Type: message" of a failed run, in one line. The local runner with
    worker threads (the default on 2+ cores) raises a worker's exception again
    as ``RuntimeError("ValueError: ...")``: name the worker's, not the wrapper."""
    text = _one_line(e)
    if isinstance(e, RuntimeError) and re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit): ", text):
        return text
    return f"{type(e).__name__}: {text}"


def summary(output: str, n_rows: int = 10, run_date=None, skipped: Optional[int] = None,
            wall_s: Optional[float] = None) -> str:
    """What the run wrote, for the person who ran it: the accounting (articles ok and
    dead-lettered, the commonest dead-letter reasons), events and coded events by type,
    the most active actors and dyads and the dates the coded events cover, the output
    folders and the wall time, then the first coded events. Reads the articles table
    whole (one small row per input) and only the coded rows' few columns of events."""
    import pyarrow.dataset as ds

    from pipeline.ops.tables import count_rows, read_table, table_dir
    from pipeline.records import reason_code

    arts = read_table(output, "articles", run_date, columns=["status", "error"]).to_pylist()
    n_events = count_rows(output, "events", run_date)
    dead = count_rows(output, "dead_letters", run_date)
    ok = sum(1 for a in arts if a["status"] == "ok")
    lines = [f"articles read: {len(arts)} (ok {ok}, dead-lettered {len(arts) - ok})"]
    reasons = Counter(reason_code(a["error"]) for a in arts if a["status"] != "ok")
    if reasons:
        lines.append("  dead-letter reasons: " + ", ".join(f"{r} {n}" for r, n in _top(reasons, 5)))
    if skipped is not None:
        lines.append(f"skipped (already processed): {skipped}")
    lines += [f"events written: {n_events}"]
    coded = []
    if n_events:
        coded = read_table(output, "events", run_date, filter=ds.field("coded") == True,  # noqa: E712
                           columns=["event_type", "who", "who_resolved", "who_country", "action",
                                    "target", "target_resolved", "target_country",
                                    "date"]).to_pylist()
    if coded:
        by_type = Counter(e["event_type"] for e in coded)
        lines.append(f"coded events: {len(coded)} ("
                     + ", ".join(f"{t} {n}" for t, n in _top(by_type)) + ")")
        actors = Counter(e["who_resolved"] or e["who"] for e in coded)
        lines.append("  top actors: " + ", ".join(f"{a} {n}" for a, n in _top(actors, 5)))
        dyads = Counter((e["who_country"], e["target_country"]) for e in coded
                        if e["who_country"] and e["target_country"])
        if dyads:
            lines.append("  top dyads: " + ", ".join(f"{w}->{t} {n}" for (w, t), n in _top(dyads, 5)))
        dates = sorted(e["date"] for e in coded if e["date"] is not None)
        if dates:
            lines.append(f"  dates covered: {dates[0]} to {dates[-1]}")
        lines += _clusters_lines(output, run_date)
    lines += [f"dead letters: {dead}",
              "output: " + ", ".join(table_dir(output, t, run_date)
                                    for t in ("events", "articles", "dead_letters",
                                              "event_clusters"))]
    if wall_s is not None:
        lines.append(f"wall time: {wall_s:.1f} s")
    if coded:
        cols = [("who", 22), ("action", 14), ("type", 9), ("target", 24), ("date", 10)]
        fmt = lambda vals: "  ".join(str(v if v is not None else "")[:w].ljust(w)  # noqa: E731
                                     for v, (_, w) in zip(vals, cols)).rstrip()
        lines += ["", "first coded events:", fmt([c for c, _ in cols]),
                  fmt(["-" * w for _, w in cols])]
        for e in coded[:n_rows]:
            lines.append(fmt([e["who_resolved"] or e["who"], e["action"], e["event_type"],
                              e["target_resolved"] or e["target"], e["date"]]))
    return "\n".join(lines)


def _clusters_lines(output: str, run_date=None) -> List[str]:
    """How many events the coded rows tell (``event_clusters``), and the ones
    the most articles told; nothing for an output without that table."""
    from pipeline.ops.tables import read_table

    try:
        rows = read_table(output, "event_clusters", run_date,
                          columns=["event_type", "who", "action", "target", "date",
                                   "n_mentions", "n_articles"]).to_pylist()
    except FileNotFoundError:
        return []
    if not rows:
        return []
    line = f"  told as {len(rows)} distinct events"
    top = sorted((r for r in rows if r["n_articles"] > 1),
                 key=lambda r: (-r["n_articles"], -r["n_mentions"], str(r["date"]),
                                r["action"]))[:3]
    if top:
        line += "; by most articles: " + ", ".join(
            f"{r['who'] or '?'} {r['action']} {r['target'] or ''} ({r['event_type']}, "
            f"{r['date'] or 'undated'}) {r['n_articles']}".replace("  ", " ") for r in top)
    return [line]


def _top(counts: "Counter", n: Optional[int] = None) -> list:
    """Most first, ties by name: the same order on every run."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]


def _quiet_imports() -> None:
    """Beam's GCP modules log "apitools not found" on the root logger when they are
    imported; an operator's error must stay one line, so import them quietly."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        import apache_beam.io.filesystems  # noqa: F401
        import apache_beam.io.gcp.internal.clients.bigquery  # noqa: F401 -- its "apitools" line
    except ImportError:
        pass
    finally:
        root.setLevel(level)


_LOG_HANDLERS: List[logging.Handler] = []


def _log_to_file(path: str) -> None:
    """``--log-file``: every record at INFO and above into ``path`` (Beam's
    INFO chatter included), while the console keeps showing WARNING and above
    only, as it does without the option (Python's last-resort handler)."""
    root = logging.getLogger()
    for h in _LOG_HANDLERS:  # an earlier run in this process (tests, a scheduler)
        root.removeHandler(h)
        h.close()
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_console = logging.StreamHandler()
    to_console.setLevel(logging.WARNING)
    _LOG_HANDLERS[:] = [to_file, to_console]
    root.addHandler(to_file)
    root.addHandler(to_console)
    root.setLevel(logging.INFO)
    logging.getLogger("apache_beam").setLevel(logging.INFO)


def report_main(argv: List[str]) -> int:
    """``newsevents report OUT [--run-date D]``: OUT/report.html from the run's tables."""
    from pipeline.config import iso_date

    p = _Parser(prog=f"{PROG} report", description="Write OUT/report.html: charts of the "
                "coded events and dead letters of a run's output folder (self-contained).")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--run-date", type=iso_date, metavar="YYYY-MM-DD")
    ns = p.parse_args(argv)
    from pipeline.ops.tables import part_files

    if not part_files(ns.output, "articles", ns.run_date):
        sys.stderr.write(f"{PROG}: error: no run output in {ns.output}\n")
        return 2
    _quiet_imports()
    from pipeline.report import build_report

    print(build_report(ns.output, ns.run_date))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    parser = build_parser()
    ns, beam_args = parser.parse_known_args(argv)
    _quiet_imports()
    cfg, problem = expand_inputs(config_from(ns))
    problem = problem or unknown_argument(beam_args, parser) or _check(cfg)
    if problem:
        sys.stderr.write(f"{PROG}: error: {problem}\n")
        return 2
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    if cfg.log_file:
        _log_to_file(cfg.log_file)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bars in the log
    from pipeline.run import run

    t0 = time.time()
    try:
        accounts = run(cfg, beam_args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as e:  # the run itself failed: say so in one line, no traceback
        sys.stderr.write(f"{PROG}: error: run failed: {_failure(e)}\n")
        return 1
    print(summary(cfg.output, run_date=cfg.run_date,
                  skipped=accounts.skipped if cfg.incremental else None,
                  wall_s=time.time() - t0))
    return 0


def run_cli() -> None:
    """The process's entry point (``newsevents``, ``python -m pipeline``): ``main``,
    then out without the interpreter's own teardown. When ``main`` returns, the
    output is published and everything is said; what is left is the exit
    handlers (run here: logging's flush, temporary folders, the tagger process)
    and then CPython's finalisation, which took 1.3-3 s here (torch, ONNX
    Runtime and gRPC tearing down their modules) out of a one-article run of
    about 10 s. ``os._exit`` skips only that last part."""
    import atexit

    code = main()
    atexit._run_exitfuncs()  # what a normal exit runs first (CPython's, documented in atexit)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # python -m pipeline.cli, as python -m pipeline
    run_cli()
