"""A model in a process of its own, called through Beam's ``multi_process_shared`` proxy.

One job: start a child process that builds one object (a model) and serves its
methods to this process: the tagger process of a local run with worker threads
(the default on 2+ cores, ``pipeline.runtime.workers``) or of ``--model-process``::

    tagger = start_model_process(TaggerInOwnProcess, handler, "tagger")
    frames = tagger.predict(sentences)   # runs in the child; arguments and result pickled

Why. The forward passes' activations are megabytes each and of a new shape on
nearly every pass; in the worker they are interleaved on glibc's heap with the
stage's long-lived objects (decoded events, rows, Parquet batches), and the
freed-but-resident heap between them made the peak RSS creep up with the
number of batches, i.e. with the corpus (``docs/PERFORMANCE.md``,
"Memory"). The bare forward-pass loop alone stays flat. In a process of its own
the model's heap holds only the model's allocations.

How. Beam's ``MultiProcessShared`` with ``spawn_process=True`` (what its
``RunInference`` model manager uses): a fresh ``spawn`` child builds the
object, serves it over a local socket with an auth key, and exits when its
parent dies (a pipe it watches); the parent terminates it at exit. Each call
pickles its arguments and result: for the tagger a batch's words in, its
frames (with their fp16 context vectors) out, a few MB per batch of 16
articles against seconds of forward passes. An exception raised in the child is
raised again in the caller, so the per-article retry in ``infer`` still works.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from typing import Any, Callable, List, Tuple

__all__ = ["PROCESS_GONE", "start_model_process", "stop_model_processes"]

#: What a call through the proxy raises when the child has died (killed, out
#: of memory): the caller's cue to fail, not to blame its input.
PROCESS_GONE = (EOFError, ConnectionError)

# (Beam's handle, our folder, the child's pid) of every child started here
_STARTED: List[Tuple[Any, str, int]] = []
_LOCK = threading.Lock()


def start_model_process(build: Callable[..., Any], arg: Any, kind: str) -> Any:
    """``build(arg)`` in a new child process; returns a proxy whose method
    calls run there. ``build`` and ``arg`` must pickle (a module-level class and
    a model handler do). ``kind`` names the process's files (``tagger``).
    The child lives until ``stop_model_processes`` or until this process ends."""
    from apache_beam.utils.multi_process_shared import MultiProcessShared

    # A folder of our own for Beam's lock and address files, removed at exit
    # (after Beam's own exit hook, registered later, has stopped the child).
    folder = tempfile.mkdtemp(prefix=f"newsevents-{kind}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # unique per call: a second load (another worker process) gets its own child
    tag = f"{kind}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    handle = MultiProcessShared(_BuildQuietly(build, arg), tag=tag, path=folder,
                                always_proxy=True, spawn_process=True)
    with _LOCK:
        before = {c.pid for c in multiprocessing.active_children()}
        proxy = handle.acquire()
        new = [c.pid for c in multiprocessing.active_children() if c.pid not in before]
        _STARTED.append((handle, folder, new[0] if new else -1))
    return proxy


def stop_model_processes(timeout: float = 30.0) -> int:
    """Stop every child this process started, and wait for them to end (their
    memory back to the machine). ``pipeline.run.run`` calls it when a run ends:
    RunInference never releases a model, so without it a process that runs the
    pipeline several times (tests, a scheduler calling ``run``) would keep one
    child per run until it exits. Returns how many were stopped."""
    with _LOCK:
        started, _STARTED[:] = list(_STARTED), []
    for handle, folder, _ in started:
        try:  # the child exits inside this call, so the call itself fails
            handle.unsafe_hard_delete()
        except Exception:  # noqa: BLE001 -- EOFError, ConnectionError: gone, as asked
            pass
        shutil.rmtree(folder, ignore_errors=True)
    pids = {pid for _, _, pid in started}
    deadline = time.monotonic() + timeout
    # active_children() also reaps the children that have ended
    while pids & {c.pid for c in multiprocessing.active_children()} and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(started)


class _BuildQuietly:
    """``build(arg)``, in the child, with the child's root logger left at
    ERROR: Beam's server sets it to INFO and logs its "Proxy serving" line at
    start and a warning that its "parent died" when a run ends normally, both
    of which would land in the operator's log. Errors still show. (Beam's
    "apitools not found" warning is logged earlier, when the child imports
    Beam to unpickle its target, before any of our code runs.)"""

    def __init__(self, build: Callable[..., Any], arg: Any):
        self._build, self._arg = build, arg

    def __call__(self) -> Any:
        logging.getLogger().setLevel(logging.ERROR)
        return self._build(self._arg)
