"""Our command-line flags, shared by the CLI and by anyone building the graph.

Everything not listed here is handed to Beam untouched (``--runner``,
``--direct_num_workers``, ``--temp_location`` ...), so the same command runs on the
DirectRunner today and on Dataflow, Flink or Spark tomorrow.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass
from typing import List, Optional

from pipeline.paths import is_remote
from pipeline.tagger import CHECKPOINT_DIR

DEFAULT_MAX_BYTES = 5_000_000


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return n


def positive_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return x


#: The runtime of the tagger unless --runtime says otherwise (a CPU run).
DEFAULT_RUNTIME = "onnx-int8"


@dataclass(frozen=True)
class RunConfig:
    inputs: List[str]
    output: str
    published: Optional[dt.date] = None
    model: str = CHECKPOINT_DIR
    max_bytes: int = DEFAULT_MAX_BYTES
    device: str = "cpu"
    threads: Optional[int] = None
    run_date: Optional[dt.date] = None  # tables go to <table>/run_date=YYYY-MM-DD/
    incremental: bool = False  # skip articles already in <output>/_manifest.jsonl
    type_events: bool = True  # the event head (the classify stage)
    # every predicate frame decoded and written; by default the model folder's
    # frame gate (pipeline.nlp.events.gate) drops, before role decoding, the
    # predicates that can be no event
    all_frames: bool = False
    # what runs the tagger's encoder and role heads: torch, onnx or onnx-int8;
    # it reaches the workers inside the tagger's model handler, on any runner.
    # onnx-int8 by default: faster than torch for 0.2 F1 points (the speed bars in
    # BENCHMARKS.md); its files are built once per machine
    runtime: str = DEFAULT_RUNTIME
    # seconds between progress lines on stderr (pipeline.ops.progress); None: none
    progress_every: Optional[float] = None
    # the tagger in a process of its own (pipeline.runtime.model_process); None: decided
    # by the run's set-up (pipeline.runtime.workers.local_setup)
    model_process: Optional[bool] = None
    # the run's log file (--log-file): libraries' warnings and the tagger
    # process's output go there instead of the console; None: not kept
    log_file: Optional[str] = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # "extend": --input a --input b (as Airflow writes a list) means both, not just b
    parser.add_argument("--input", nargs="+", action="extend", required=True,
                        metavar="PATH_OR_GLOB",
                        help="article files: .txt (optional <stem>.json sidecar), .jsonl, .html; "
                             "globs are expanded by Beam's filesystems, so quote them; "
                             "may be repeated")
    parser.add_argument("--output", required=True, metavar="DIR",
                        help="output folder: events/, articles/, dead_letters/, event_clusters/ (Parquet)")
    parser.add_argument("--published", type=iso_date, metavar="YYYY-MM-DD",
                        help="publication date for articles that carry none (relative dates resolve "
                             "against it)")
    parser.add_argument("--model", default=CHECKPOINT_DIR, metavar="DIR",
                        help="tagger model folder (default: the one shipped in pipeline/tagger/checkpoint)")
    parser.add_argument("--max-bytes", type=positive_int, default=DEFAULT_MAX_BYTES, metavar="N",
                        help=f"articles larger than this are dead-lettered (default {DEFAULT_MAX_BYTES})")
    parser.add_argument("--run-date", type=iso_date, metavar="YYYY-MM-DD",
                        help="write the tables under <table>/run_date=YYYY-MM-DD/ (a Hive-style "
                             "partition); re-running a date replaces that partition")
    parser.add_argument("--incremental", action="store_true",
                        help="skip articles already processed into earlier run dates (same id and "
                             "content hash, kept in <output>/_manifest.jsonl); needs --run-date")
    parser.add_argument("--runtime", choices=["torch", "onnx", "onnx-int8"], default=DEFAULT_RUNTIME,
                        help="what runs the tagger's encoder and role heads (the event head reads its "
                             "vectors from that pass): ONNX Runtime with int8 weights (default: the "
                             "fastest on a CPU, for 0.2 F1 points; its files are built once per "
                             "machine, about 15 s, in ~/.cache/newsevents/onnx), ONNX Runtime fp32, "
                             "or torch (see BENCHMARKS.md for speed and accuracy)")
    parser.add_argument("--threads", type=positive_int, metavar="N",
                        help="torch threads per worker (default: the cores shared out between the "
                             "worker threads of a local run; torch's choice otherwise)")
    parser.add_argument("--model-process", action=argparse.BooleanOptionalAction, default=None,
                        help="run the tagger in a process of its own beside each worker process, so "
                             "that memory stays flat over a long run (default: on when worker "
                             "threads share a process, as a local run on 2+ cores does, and the "
                             "inputs hold 300 articles or more, or an unknown number; see "
                             "docs/PERFORMANCE.md)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines (or bar) while the run works")
    parser.add_argument("--progress-every", type=positive_float, default=5.0, metavar="SECONDS",
                        help="seconds between progress lines on stderr (default 5); a live bar "
                             "instead when stderr is a terminal")
    parser.add_argument("--log-file", metavar="PATH",
                        help="append the run's log (Beam's and the libraries' messages at INFO, and "
                             "what the tagger process prints) to PATH; without it they are not kept, "
                             "and the console shows progress, warnings and errors only")
    parser.add_argument("--all-frames", action="store_true",
                        help="decode and write every predicate frame the tagger finds (copulas, "
                             "states, light verbs, reporting verbs too); by default the frame gate "
                             "drops, before role decoding, the predicates that can be no countable "
                             "event (faster; see docs/EVENTS.md for what it costs)")
    parser.add_argument("--no-event-types", dest="type_events", action="store_false",
                        help="skip the event head: is_event, event_score, event_type and "
                             "event_type_score stay null and coded false (the head reads its "
                             "features from the tagger's own pass and costs little)")


def config_from(ns: argparse.Namespace) -> RunConfig:
    # a pattern given twice would report its no_match twice: keep each once
    output = ns.output if is_remote(ns.output) else os.path.abspath(ns.output)
    return RunConfig(inputs=list(dict.fromkeys(ns.input)), output=output,
                     published=ns.published, model=ns.model,
                     max_bytes=ns.max_bytes, threads=ns.threads, run_date=ns.run_date,
                     incremental=ns.incremental, type_events=ns.type_events,
                     all_frames=ns.all_frames,
                     model_process=ns.model_process, runtime=ns.runtime,
                     progress_every=None if ns.quiet else ns.progress_every,
                     log_file=os.path.abspath(ns.log_file) if ns.log_file else None)
