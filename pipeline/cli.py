"""``python -m pipeline`` / ``newsevents``: argument parsing, one-line errors, run summary.

Operator mistakes (a missing input file, an output folder that cannot be
written, a missing model, a bad flag value) end with one line on stderr and exit
code 2, before any work starts. Bad *articles* never stop a run: they become
dead-letter rows.
"""
from __future__ import annotations

import argparse
import glob
import logging
import os
import sys
import time
from typing import List, Optional

from pipeline.options import add_arguments, config_from

PROG = "newsevents"
GLOB_CHARS = set("*?[")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too: keep it short)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Extract who/action/target/date events from news "
                "articles into Parquet (events/, articles/, dead_letters/).",
                epilog="Any other --flag is a Beam pipeline option, e.g. --runner=DirectRunner "
                       "--direct_num_workers=2 --direct_running_mode=multi_processing.")
    add_arguments(p)
    return p


def _check(cfg) -> Optional[str]:
    """The operator mistakes we can see before starting; None when all is well."""
    for pattern in cfg.inputs:
        if "://" in pattern or set(pattern) & GLOB_CHARS:
            continue  # remote paths and globs are matched by Beam (no match = dead letter)
        if not os.path.exists(pattern):
            return f"input not found: {pattern}"
    for name in ("tagger_config.json", "model.safetensors"):
        if not os.path.isfile(os.path.join(cfg.model, name)):
            return f"model folder {cfg.model} has no {name}"
    if "://" not in cfg.output:
        try:
            os.makedirs(cfg.output, exist_ok=True)
            probe = os.path.join(cfg.output, ".write-test")
            with open(probe, "w"):
                pass
            os.remove(probe)
        except OSError as e:
            return f"cannot write output folder {cfg.output}: {e.strerror or e}"
    return None


def summary(output: str, n_rows: int = 10) -> str:
    from pipeline.write import read_table

    arts = read_table(output, "articles").to_pylist()
    events = read_table(output, "events").to_pylist()
    dead = read_table(output, "dead_letters").num_rows
    ok = sum(1 for a in arts if a["status"] == "ok")
    lines = [f"articles read: {len(arts)} (ok {ok}, dead-lettered {len(arts) - ok})",
             f"events written: {len(events)}", f"dead letters: {dead}",
             f"output: {output}/events, {output}/articles, {output}/dead_letters"]
    if events:
        cols = [("who", 22), ("action", 16), ("target", 26), ("date", 10), ("prec", 5)]
        fmt = lambda vals: "  ".join(str(v if v is not None else "")[:w].ljust(w)
                                     for v, (_, w) in zip(vals, cols))
        lines += ["", fmt([c for c, _ in cols]), fmt(["-" * w for _, w in cols])]
        for e in events[:n_rows]:
            lines.append(fmt([e["who"], ("not " if e["negated"] else "") + e["action"],
                              e["target"], e["date"], e["date_precision"]]))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    ns, beam_args = parser.parse_known_args(argv)
    cfg = config_from(ns)
    problem = _check(cfg)
    if problem:
        sys.stderr.write(f"{PROG}: error: {problem}\n")
        return 2
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
    from pipeline.run import run

    t0 = time.time()
    try:
        run(cfg, beam_args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as e:  # the run itself failed: say so in one line, no traceback
        msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        sys.stderr.write(f"{PROG}: error: run failed: {type(e).__name__}: {msg}\n")
        return 1
    print(summary(cfg.output))
    print(f"({time.time() - t0:.1f}s)")
    return 0
