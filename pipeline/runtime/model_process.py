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
import contextlib
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from typing import Any, Callable, List, Optional, Tuple

__all__ = ["PROCESS_GONE", "child_log_tail", "start_model_process", "stop_model_processes"]

#: What a call through the proxy raises when the child has died (killed, out
#: of memory): the caller's cue to fail, not to blame its input.
PROCESS_GONE = (EOFError, ConnectionError)

# (Beam's handle, our folder, the child's pid) of every child started here
_STARTED: List[Tuple[Any, str, int]] = []
_LOCK = threading.Lock()
# where each kind of child's stderr went (the latest child of that kind)
_LOGS: dict = {}


def start_model_process(build: Callable[..., Any], arg: Any, kind: str,
                        log_path: Optional[str] = None) -> Any:
    """``build(arg)`` in a new child process; returns a proxy whose method
    calls run there. ``build`` and ``arg`` must pickle (a module-level class and
    a model handler do). ``kind`` names the process's files (``tagger``).
    The child lives until ``stop_model_processes`` or until this process ends.

    The child's stderr goes to ``log_path`` (appended; ``--log-file``), else to
    a file in the child's own temporary folder, removed at exit: what the
    child prints is libraries' noise on a good run (Beam's "apitools not found",
    logged when the child imports Beam, before any code of ours runs there), and
    on a crash its last lines are what ``child_log_tail`` gives the error."""
    from apache_beam.utils.multi_process_shared import MultiProcessShared

    # A folder of our own for Beam's lock and address files, removed at exit
    # (after Beam's own exit hook, registered later, has stopped the child).
    folder = tempfile.mkdtemp(prefix=f"newsevents-{kind}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # unique per call: a second load (another worker process) gets its own child
    tag = f"{kind}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    handle = MultiProcessShared(_BuildQuietly(build, arg), tag=tag, path=folder,
                                always_proxy=True, spawn_process=True)
    log_path = log_path or os.path.join(folder, f"{kind}.log")
    with _LOCK:
        before = {c.pid for c in multiprocessing.active_children()}
        with _stderr_into(log_path):
            proxy = handle.acquire()
        new = [c.pid for c in multiprocessing.active_children() if c.pid not in before]
        _STARTED.append((handle, folder, new[0] if new else -1))
        _LOGS[kind] = log_path
    return proxy


@contextlib.contextmanager
def _stderr_into(path: str):
    """File descriptor 2 points at ``path`` while the block runs, so that a
    child started in it writes its stderr there for its whole life (a spawned
    child inherits the descriptor; nothing of ours runs in it early enough to
    redirect it from inside). The block is the child's start and model load;
    this process's own stderr lines of that moment land in the file too."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


def child_log_tail(kind: str, chars: int = 2000) -> str:
    """The last ``chars`` characters the latest ``kind`` child wrote to its
    stderr ("" when none): what a crash message shows of why it died."""
    path = _LOGS.get(kind)
    try:
        with open(path, "rb") as f:  # type: ignore[arg-type]
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - chars))
            return f.read().decode("utf-8", errors="replace").strip()
    except (OSError, TypeError):
        return ""


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
    Beam to unpickle its target, before any of our code runs: it goes to the
    child's log file, ``start_model_process``.)"""

    def __init__(self, build: Callable[..., Any], arg: Any):
        self._build, self._arg = build, arg

    def __call__(self) -> Any:
        logging.getLogger().setLevel(logging.ERROR)
        return self._build(self._arg)
