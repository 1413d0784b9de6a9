"""How a run spreads over workers, threads and processes: its set-up, decided once.

One job: fill in what the operator left open, before the graph is built::

    cfg, beam_args = local_setup(cfg, beam_args)   # then PipelineOptions(beam_args)

**A local run** (no ``--runner``, or the DirectRunner) with no
``--direct_num_workers``/``--direct_running_mode`` of its own, on a machine
with 2 cores or more, gets **two worker threads in one process**
(``multi_threading``), **one torch thread each**, and **the tagger in a
process of its own** (``--model-process``) that serves both threads at once,
when the run has ``MODEL_PROCESS_MIN_ARTICLES`` articles or more (or an unknown
number): a short run is faster with the tagger in the worker. Why this and not one worker (docs/PERFORMANCE.md, "The local default"):

* one worker does its Python work (reading, decoding, actors, event typing,
  writing) *between* its forward passes, on the cores the passes use: about a
  quarter of the run on 2 cores. Two worker threads overlap one thread's
  Python work with the other's forward passes (which release the GIL), and
  one torch thread each keeps the cores from being oversubscribed;
* the tagger process keeps the forward passes' activations off the worker's
  heap, so that the worker's memory stays flat over a long run; one process
  for both threads, so one copy of the model.

Anything the operator sets wins: ``--direct_num_workers=1`` is one worker with
the tagger in it (the set-up of earlier versions), ``--no-model-process`` keeps
the tagger in the worker, ``--threads N`` sets torch's threads. Other runners
(Dataflow, Flink, Spark) decide their own workers; nothing is added there.
"""
from __future__ import annotations

import dataclasses
import os
from typing import List, Optional, Sequence, Tuple

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from pipeline.config import RunConfig

#: Worker threads of a local run, by default, on a machine with at least as many cores.
LOCAL_WORKER_THREADS = 2

#: A local run starts the tagger process (``--model-process``) by default only for
#: at least this many input articles. The process is there for memory that stays
#: flat over a long run; it costs a second Python, torch and model load. Measured
#: here, whole CLI, two worker threads, tagger in the worker vs in its own
#: process (seconds): 1 article 10.7 vs 13.5, 5 articles 11.6 vs 13.6, 20
#: articles 15.5 vs 18.9, 80 articles 33.6 vs 35.0 (peak RSS 1.02 GB vs 0.88 GB
#: for the worker, plus the process), 300 articles 90.4 vs 87.9
#: (docs/PERFORMANCE.md, "The local default"): the process pays from about 300.
MODEL_PROCESS_MIN_ARTICLES = 300

#: The runner names that mean "this machine" (``--runner``, any case; none given too).
LOCAL_RUNNERS = ("directrunner", "switchingdirectrunner")

_WORKER_FLAGS = ("--direct_num_workers", "--direct_running_mode")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def is_local(options: PipelineOptions) -> bool:
    """Whether the run is on this machine: no ``--runner``, or the DirectRunner."""
    runner = options.view_as(StandardOptions).runner
    return runner is None or str(runner).lower() in LOCAL_RUNNERS


def several_workers(options: PipelineOptions) -> bool:
    """Whether the pipeline may run on more than one worker: any runner but the
    local one, or that one with ``--direct_num_workers`` other than 1 (0 means
    one per core)."""
    return not is_local(options) or options.view_as(DirectOptions).direct_num_workers != 1


def worker_threads(options: PipelineOptions, cores: Optional[int] = None) -> int:
    """How many worker threads of a local run share one process (and so one
    loaded model): ``--direct_num_workers`` in ``multi_threading`` mode (0 = one
    per core); 1 otherwise (one worker, worker processes, other runners)."""
    if not is_local(options):
        return 1
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode != "multi_threading":
        return 1
    n = direct.direct_num_workers
    return max(1, n if n > 0 else (cores or usable_cores()))


def local_setup(cfg: RunConfig, beam_args: Optional[Sequence[str]] = None,
                cores: Optional[int] = None,
                articles: Optional[int] = None) -> Tuple[RunConfig, List[str]]:
    """``cfg`` and the Beam arguments with the run's set-up filled in (see the
    module's docstring): the local default workers where none were asked for,
    then ``cfg.model_process`` (None: on when worker threads share a process and
    the run has at least ``MODEL_PROCESS_MIN_ARTICLES`` articles, or an unknown
    number) and ``cfg.threads`` (None: the cores shared out between those threads).
    ``cores``: the machine's, for tests (default: ``usable_cores()``);
    ``articles``: how many the inputs hold, None when unknown (remote inputs)."""
    args = list(beam_args or [])
    cores = cores or usable_cores()
    options = PipelineOptions(args)
    chosen = any(a.split("=")[0] in _WORKER_FLAGS for a in args)
    if is_local(options) and not chosen and cores >= LOCAL_WORKER_THREADS:
        args += [f"--direct_num_workers={LOCAL_WORKER_THREADS}",
                 "--direct_running_mode=multi_threading"]
        options = PipelineOptions(args)
    threads = worker_threads(options, cores)
    long_run = articles is None or articles >= MODEL_PROCESS_MIN_ARTICLES
    model_process = (cfg.model_process if cfg.model_process is not None
                     else threads > 1 and long_run)
    torch_threads = cfg.threads
    if torch_threads is None and threads > 1:
        torch_threads = max(1, cores // threads)
    return dataclasses.replace(cfg, model_process=model_process, threads=torch_threads), args
