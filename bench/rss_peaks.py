"""Which code is running when the pipeline's resident memory reaches a new high.

    python -m bench.rss_peaks [--step-mb 4] [--every-ms 5] -- --input 'DIR/*.jsonl' --output OUT [CLI flags]

Runs the real CLI (``pipeline.cli.main``) in this process, one worker, with a
sampling thread that reads ``/proc/self/statm`` every ``--every-ms``. Each time
RSS passes the highest value seen so far by ``--step-mb``, it records the
Python stacks of the other threads. At the end it prints where the high-water
mark rose, summed by the innermost frame of this project (and by the innermost
frame of any package), and the largest single rises with their stacks.

This is how the remaining ``rss_growth`` of #5 was traced (BENCHMARKS.md):
the peak of a long run is made of rises like these, and the step that makes
the biggest ones is where the peak grows with the corpus. The sampler only
sees Python frames; a rise inside a C call (ONNX Runtime, NumPy, Arrow) is
charged to the Python line that made the call.
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import functools
import os
import sys
import threading
import time
import traceback

PAGE = os.sysconf("SC_PAGE_SIZE")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]


@functools.lru_cache(maxsize=1)
def _mallinfo2():
    libc = ctypes.CDLL("libc.so.6")  # looked up once: the sampler calls this every few ms
    libc.mallinfo2.restype = _Mallinfo2
    return libc.mallinfo2


def malloc_in_use() -> int:
    """Bytes glibc's malloc has handed out and not yet had back (all arenas,
    mmapped blocks included): live C allocations, whatever RSS says."""
    m = _mallinfo2()()
    return m.uordblks + m.hblkhd


def _frames(frame):
    return [(fs.filename, fs.lineno, fs.name) for fs in traceback.extract_stack(frame)]


def _where(stack, ours_only: bool):
    """Innermost frame of this project (``ours_only``) or of any package."""
    for filename, lineno, name in reversed(stack):
        in_project = filename.startswith(ROOT) and "/bench/" not in filename
        if in_project or (not ours_only and "site-packages" in filename):
            rel = os.path.relpath(filename, ROOT) if in_project else filename.split("site-packages/")[-1]
            return f"{rel}:{lineno} {name}"
    return "(no Python frame)"


class HighWaterSampler(threading.Thread):
    def __init__(self, step: int, every_s: float, measure=rss_bytes):
        super().__init__(daemon=True, name="rss-sampler")
        self.step, self.every_s, self.measure = step, every_s, measure
        self.high = measure()
        self.rises = []  # (seconds, rss, rise, {thread name: stack})
        self.t0 = time.perf_counter()
        self._halt = threading.Event()

    def run(self):
        me = threading.get_ident()
        names = {}
        while not self._halt.wait(self.every_s):
            rss = self.measure()
            if rss < self.high + self.step:
                continue
            names.update((t.ident, t.name) for t in threading.enumerate())
            stacks = {names.get(tid, str(tid)): _frames(f)
                      for tid, f in sys._current_frames().items() if tid != me}
            self.rises.append((time.perf_counter() - self.t0, rss, rss - self.high, stacks))
            self.high = rss

    def stop(self):
        self._halt.set()
        self.join()


def _busiest(stacks):
    """The stack that is doing the work: the deepest one in this project."""
    def depth(item):
        _, st = item
        return (sum(1 for f, _, _ in st if f.startswith(ROOT)), len(st))
    return max(stacks.items(), key=depth) if stacks else ("-", [])


def report(s: HighWaterSampler, top: int, what: str = "RSS") -> None:
    mb = 1 << 20
    start = s.rises[0][1] - s.rises[0][2] if s.rises else s.high
    print(f"\n{what} high-water: start {start / mb:.0f} MB, end {s.high / mb:.0f} MB, "
          f"{len(s.rises)} rises of >= {s.step / mb:.0f} MB")
    for ours_only, title in ((True, "this project's innermost frame"),
                             (False, "any package's innermost frame")):
        total = collections.Counter()
        count = collections.Counter()
        for _, _, rise, stacks in s.rises:
            key = _where(_busiest(stacks)[1], ours_only)
            total[key] += rise
            count[key] += 1
        print(f"\nHigh-water rises by {title} (MB, rises):")
        for key, b in total.most_common(top):
            print(f"  {b / mb:8.1f} {count[key]:5d}  {key}")
    if s.rises:
        end = s.rises[-1][0]
        marks = []
        for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
            reached = [rss for t, rss, _, _ in s.rises if t <= frac * end]
            marks.append(f"{frac:.0%} {max(reached) / mb:.0f}" if reached else f"{frac:.0%} -")
        print(f"\nHigh-water by share of the time to the last rise ({end:.0f} s): " + ", ".join(marks))
    print(f"\nLargest rises (time s, {what} MB, rise MB), deepest project stack:")
    for t, rss, rise, stacks in sorted(s.rises, key=lambda r: -r[2])[:top]:
        name, st = _busiest(stacks)
        print(f"  {t:8.1f} {rss / mb:7.0f} {rise / mb:+6.1f}  [{name}]")
        for filename, lineno, fn in st[-8:]:
            short = os.path.relpath(filename, ROOT) if filename.startswith(ROOT) else \
                filename.split("site-packages/")[-1]
            print(f"        {short}:{lineno} {fn}")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cli_args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step-mb", type=float, default=4.0)
    ap.add_argument("--every-ms", type=float, default=5.0)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--measure", choices=["rss", "malloc"], default="rss",
                    help="rss: resident memory; malloc: bytes in use in glibc's malloc "
                         "(live C allocations: what holds memory, not what the heap keeps)")
    args = ap.parse_args(own)
    if not cli_args:
        ap.error("give the CLI's arguments after --")

    from bench.memory_probe import rss_mb
    from pipeline.cli import main as cli_main

    sampler = HighWaterSampler(int(args.step_mb * (1 << 20)), args.every_ms / 1000,
                               rss_bytes if args.measure == "rss" else malloc_in_use)
    sampler.start()
    try:
        rc = cli_main(cli_args)
    finally:
        sampler.stop()
        report(sampler, args.top, "RSS" if args.measure == "rss" else "malloc in use")
        print(f"\nPeak RSS of the process (VmHWM): {rss_mb()[1]} MB")
    return rc


if __name__ == "__main__":
    sys.exit(main())
