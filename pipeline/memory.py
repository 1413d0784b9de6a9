"""An opt-in cap on heap growth: a fixed glibc mmap threshold in the model workers.

One job. Every forward pass allocates tensors of a new shape (sentences x
sub-words change from pass to pass). glibc serves allocations above its *mmap
threshold* with a mapping of their own, returned to the OS on free, and smaller
ones from its heap; but it raises that threshold to the size of every large
block freed (up to 32 MB), so after the first passes the big activation
tensors come from the heap too, the heap fragments, and resident memory creeps
up with the number of passes, i.e. with the corpus.

Measured on this project's 2-core machine, full pipeline (``BENCHMARKS.md``):
with glibc's default, peak RSS grows from about 1.1 to 1.5 GB over 500 articles
and reaches 2.3 GB at 2,000 (553 s); with a fixed 1 MB threshold it stays flat
at about 0.87 GB over 500 articles but the run is 33 % slower (page faults on
fresh mappings); with 8 MB it grows to 1.4 GB at 2,000 articles, and the run
took over 35 % longer. ``MALLOC_ARENA_MAX=2`` did not help.

So it is **off by default** (speed first; the growth slows down as the run goes
on) and on for a deployment whose memory is tight:
``NEWSEVENTS_MMAP_THRESHOLD=8388608`` (bytes; 1048576 for the flattest
memory). The model handlers apply it in every worker process when they load
their model. Not glibc (macOS, musl): nothing happens.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

#: bytes; allocations above it get their own mapping (glibc ``M_MMAP_THRESHOLD``);
#: 0: glibc's own, adaptive threshold (the default)
DEFAULT_MMAP_THRESHOLD = 0
ENV = "NEWSEVENTS_MMAP_THRESHOLD"
_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h


def fix_mmap_threshold() -> bool:
    """Set glibc's mmap threshold for this process from ``$NEWSEVENTS_MMAP_THRESHOLD``
    (see the module doc). True when it was set; False when off or not glibc."""
    try:
        value = int(os.environ.get(ENV, DEFAULT_MMAP_THRESHOLD))
    except ValueError:
        value = DEFAULT_MMAP_THRESHOLD
    if value <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, value) == 1
