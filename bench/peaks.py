"""``python -m bench.peaks [--every S] -- CMD ...``: peak memory of each process of a run.

Runs CMD and samples its process tree from /proc every ``--every`` seconds:
each process's own high-water mark (``VmHWM``, kept by the kernel, so nothing
between two samples is missed) and the highest sum of the tree's ``VmRSS``
over the samples (what the machine had to hold at once). Prints one JSON
object: exit code, wall seconds, the tree's peak, and per process (over 50 MB)
its peak and command line. This is how BENCHMARKS.md measured the worker and
its tagger process (``--model-process``) apart::

    python -m bench.peaks -- python -m pipeline --input '.bench-cache/corpus-v1-2000/*.jsonl' \\
        --output /tmp/o2k --runtime onnx-int8
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Dict, Tuple

from bench.run import _children, proc_status_kb


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read().replace("\0", " ").strip()[:160]
    except OSError:
        return ""


def measure(cmd, every: float = 0.5) -> Dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    per_pid: Dict[int, Tuple[int, str]] = {}
    tree_peak = 0
    while proc.poll() is None:
        kids, todo, total = _children(), [proc.pid], 0
        while todo:
            pid = todo.pop()
            todo += kids.get(pid, [])
            st = proc_status_kb(pid, "VmRSS", "VmHWM")
            if "VmRSS" not in st:
                continue
            total += st["VmRSS"]
            old = per_pid.get(pid, (0, ""))
            per_pid[pid] = (max(old[0], st["VmHWM"]), old[1] or _cmdline(pid))
        tree_peak = max(tree_peak, total)
        time.sleep(every)
    return {"rc": proc.returncode, "wall_s": round(time.perf_counter() - t0, 1),
            "tree_peak_mb": tree_peak // 1024,
            "processes": [{"pid": pid, "peak_mb": kb // 1024, "cmd": cmd}
                          for pid, (kb, cmd) in sorted(per_pid.items()) if kb > 50 * 1024]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- the command to run")
    args = ap.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command to run (put it after --)")
    res = measure(cmd, args.every)
    print(json.dumps(res, indent=1))
    return res["rc"]


if __name__ == "__main__":
    sys.exit(main())
