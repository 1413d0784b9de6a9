"""Summaries of py-spy's collapsed stacks (``py-spy record --format raw``).

``python -m bench.profile FILE [--top N]`` prints the functions that hold the
most samples: inclusive ("on the stack") and self ("at the top").
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from typing import Dict, List, Tuple

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/"


def _rel(frame: str) -> str:
    """``func (/abs/site-packages/pkg/mod.py:12)`` -> ``func (pkg/mod.py)``."""
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", _ROOT, "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def short(frame: str) -> str:
    """``func (a/b/c/mod.py)`` -> ``func (c/mod.py)``: for tables."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    return f"{m.group('func')} ({'/'.join(m.group('file').split('/')[-2:])})"


def load(path: str) -> List[Tuple[List[str], int]]:
    stacks = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, n = line.rpartition(" ")
            try:
                count = int(n)
            except ValueError:
                continue
            frames = [_rel(x) for x in stack.split(";") if x]
            # py-spy puts "process NNN:..." / "thread (0x..)" frames first
            frames = [x for x in frames if not x.startswith(("process ", "thread ("))]
            stacks.append((frames, count))
    return stacks


def summarize(path: str, top: int = 15) -> Dict:
    stacks = load(path)
    total = sum(c for _, c in stacks) or 1
    inclusive, self_ = Counter(), Counter()
    for frames, c in stacks:
        for f in set(frames):
            inclusive[f] += c
        if frames:
            self_[frames[-1]] += c
    return {"samples": total,
            "inclusive": [(f, c / total) for f, c in inclusive.most_common(top)],
            "self": [(f, c / total) for f, c in self_.most_common(top)]}


def bucket(path: str, rules: List[Tuple[str, str]]) -> List[Tuple[str, float]]:
    """Share of samples per stage: each stack goes to the first rule whose
    pattern occurs in any of its frames (innermost first); else "other"."""
    stacks = load(path)
    total = sum(c for _, c in stacks) or 1
    shares = Counter()
    for frames, c in stacks:
        name = "other"
        for label, pattern in rules:
            if any(pattern in f for f in reversed(frames)):
                name = label
                break
        shares[name] += c
    return [(k, v / total) for k, v in shares.most_common()]


def markdown(summary: Dict, top: int = 12) -> str:
    rows = ["| inclusive | function | | self | function |", "|---:|---|---|---:|---|"]
    inc, slf = summary["inclusive"][:top], summary["self"][:top]
    for i in range(max(len(inc), len(slf))):
        a = inc[i] if i < len(inc) else ("", 0.0)
        b = slf[i] if i < len(slf) else ("", 0.0)
        rows.append(f"| {a[1]:.1%} | `{short(a[0])}` | | {b[1]:.1%} | `{short(b[0])}` |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    s = summarize(args.file, args.top)
    print(f"{s['samples']} samples")
    print(markdown(s, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
