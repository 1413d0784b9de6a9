"""Flat memory in the model workers: no oneDNN primitive cache, no ONNX Runtime arena.

One job: set up a worker process's native allocators so that its resident
memory does not grow with the number of forward passes, i.e. with the corpus.

Why memory grew. Every forward pass has a new shape (sentences x sub-words,
frames x words change from pass to pass).

* PyTorch runs some CPU ops through oneDNN -- here the encoder's GELU (an
  oneDNN ``eltwise`` primitive, seen with ``ONEDNN_VERBOSE=1``) and the role
  heads' LSTM. oneDNN JIT-compiles a primitive per shape and keeps up to 1,024
  of them in its primitive cache, each with its code and buffers. With a new
  shape on nearly every pass, that cache (and the heap around it) grew for the
  whole run: the bare predictor loop went from 0.64 to 1.30 GB peak over 500
  articles, the event typer alone from 0.87 to 1.02 GB.
* ONNX Runtime's CPU arena keeps every block it ever handed out and grows in
  power-of-two steps to fit the largest shapes seen so far.

What this module does, measured on the 500-article benchmark corpus with the
bare predictor loop (``BENCHMARKS.md`` has the pipeline runs):

* ``torch.backends.mkldnn.enabled = False``: PyTorch's own vectorised kernels
  for GELU and LSTM instead of oneDNN's. Peak 0.87 GB, flat after the first 40
  passes (the event typer: 0.86 GB, flat). PyTorch's matrix multiplications do
  not go through this switch (they call MKL/OpenBLAS GEMMs): the tagger's
  forward passes took the same time (20.4 s either way on 1,980 sentences),
  the event typer's short texts 14 % longer (``python -m bench.kernels_ab``). Limiting oneDNN's cache instead (``ONEDNN_PRIMITIVE_CACHE_CAPACITY``)
  did not help at 16 entries, and at 0 re-compiles every kernel on every call
  (the typer ran half again as long).
* ONNX Runtime sessions without the CPU memory arena (``enable_cpu_mem_arena``
  off, set where ``pipeline.tagger.onnx_runtime`` opens its sessions): blocks
  come from malloc and go back to it. Peak 1.01 GB against 1.15 GB, flat after
  80 passes.

Both are process-wide, hence done once per worker process when the model
handlers load their models, like ``torch.set_num_threads``.

What remained: glibc's malloc keeps freed memory. On the full pipeline RSS
still crept up with the corpus after the two fixes above (``--runtime
onnx-int8``: 1.3 GB after 2.5 minutes, 1.86 GB after 21 minutes of a
10,000-article run). ``mallinfo2()`` read from that process with gdb at 1.76 GB
RSS: 1,083 MB of heap, of which **373 MB in use and 710 MB free**. The
activations of a forward pass are megabytes each and of a new size on nearly
every pass; glibc serves them from the heap (its mmap threshold rises to the
largest block freed, up to 32 MB) and the freed chunks, scattered between
live ones, are kept resident and only partly reused. ``release_free_memory``
(glibc's ``malloc_trim(0)``: hand the pages of free chunks back to the kernel)
runs after every RunInference batch of both model stages. Measured
(``--runtime onnx-int8``): the 2,000-article peak fell from 1,615 to 1,491 MB
at 0.7 % of the run time, and the heap's resident part stays about what is in
use; a 10,000-article run still peaked higher (1,831 MB, ``rss_growth``
0.23 against 0.25 without it), from short spikes within a batch that are not traced yet
(docs/PERFORMANCE.md, "Memory").
"""
from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["configure_worker", "release_free_memory"]

_LIBC = None  # the C library once looked up, or False where it has no malloc_trim


def configure_worker() -> None:
    """Set this process up for long inference runs with flat memory (see the
    module doc). Idempotent."""
    import torch

    # PyTorch's own CPU kernels, not oneDNN's per-shape JIT primitives
    torch.backends.mkldnn.enabled = False


def release_free_memory() -> bool:
    """Return the pages of malloc's free chunks to the kernel (glibc's
    ``malloc_trim(0)``), so that resident memory is what is in use (see the
    module doc). True if it ran; a no-op where the C library has no
    ``malloc_trim`` (musl, macOS)."""
    global _LIBC
    if _LIBC is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC = libc if hasattr(libc, "malloc_trim") else False
        except OSError:
            _LIBC = False
    if not _LIBC:
        return False
    _LIBC.malloc_trim(0)
    return True
