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
"""
from __future__ import annotations

__all__ = ["configure_worker"]


def configure_worker() -> None:
    """Set this process up for long inference runs with flat memory (see the
    module doc). Idempotent."""
    import torch

    # PyTorch's own CPU kernels, not oneDNN's per-shape JIT primitives
    torch.backends.mkldnn.enabled = False
