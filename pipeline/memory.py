"""Keep the allocator from growing the heap with the corpus.

One job. Every forward pass allocates tensors of a new shape (sentences x
sub-words change from pass to pass). glibc serves allocations above its *mmap
threshold* with a mapping of their own, returned to the OS on free, and smaller
ones from its heap; but it raises that threshold to the size of every large
block freed (up to 32 MB), so after the first passes the big activation
tensors come from the heap too, the heap fragments, and resident memory creeps
up with the number of passes, i.e. with the corpus.

Measured on this project's 2-core machine, full pipeline, 500 articles
(``BENCHMARKS.md``): glibc's default: peak RSS grows from about 1.1 to 1.5 GB
over the run (2.3 GB at 2,000 articles); a fixed 1 MB threshold: flat at about
0.87 GB but 33 % slower (page faults on fresh mappings); a fixed **8 MB**
threshold (the default here): 0.9 to 1.0 GB, 8 % slower. ``MALLOC_ARENA_MAX=2``
did not help. Only the largest tensors (feed-forward activations of a full
pass) then get mappings of their own, and the sizes that come from the heap
stay small enough to be reused.

``NEWSEVENTS_MMAP_THRESHOLD`` (bytes) overrides the value; ``0`` leaves glibc's
default. Not glibc (macOS, musl): nothing happens.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

#: bytes; allocations above it get their own mapping (glibc ``M_MMAP_THRESHOLD``)
DEFAULT_MMAP_THRESHOLD = 8 * 1024 * 1024
ENV = "NEWSEVENTS_MMAP_THRESHOLD"
_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h


def fix_mmap_threshold() -> bool:
    """Set glibc's mmap threshold once for this process (see the module doc).
    True when it was set; False when disabled or not glibc."""
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
