"""The graph: read -> segment -> infer -> decode -> resolve -> classify -> write; and one run of it.

``build`` wires the named composite transforms of each step together and routes
every dead letter to the ``dead_letters`` table and to its article's row, so
that input articles = ok + dead-lettered (+ skipped, with ``--incremental``).

``run`` is one operator-level run: the pipeline writes into a staging folder,
and only when it has finished and its accounting holds are the tables moved
into place (``publish``) and the manifest updated (``manifest``). A run that
fails leaves the previous output untouched.
"""
from __future__ import annotations

import functools
import json
import os
from typing import Dict, FrozenSet, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineState

from pipeline.ops import accounting, manifest, publish
from pipeline.stages.classify import ClassifyEvents
from pipeline.stages.decode import DecodeEvents
from pipeline.stages.infer import InferFrames, TaggerModelHandler
from pipeline.runtime.model_process import stop_model_processes
from pipeline.config import RunConfig
from pipeline.stages.read import ReadArticles
from pipeline.stages.resolve import ResolveArticles
from pipeline.stages.rows import TableRows
from pipeline.stages.segment import SegmentArticles
from pipeline.tagger.model import CONFIG_FILE
from pipeline.runtime.workers import is_local, local_setup, several_workers, worker_threads
from pipeline.stages.write import TABLES, WriteOutputs, read_table


def model_name(model_dir: str) -> str:
    """"name@version" from the model's config, without loading the weights."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        cfg = json.load(f)
    return f"{cfg.get('name', 'tagger')}@{cfg.get('version', '0')}"


#: The embedded SDK workers' time-based flush of their output streams, for
#: local multi-threaded runs: in effect never (size-based flushes remain).
#: See ``LocalFnApiRunner``.
NO_TIMED_FLUSH_MS = 10 ** 9


def _without_timed_flush(pipeline_proto) -> int:
    """Set the embedded gRPC environments of ``pipeline_proto`` to flush their
    output streams by size only; return how many there were."""
    from apache_beam.portability import python_urns

    changed = 0
    for env in pipeline_proto.components.environments.values():
        if env.urn == python_urns.EMBEDDED_PYTHON_GRPC:
            config = json.loads(env.payload or b"{}")
            config["data_buffer_time_limit_ms"] = NO_TIMED_FLUSH_MS
            env.payload = json.dumps(config).encode("utf-8")
            changed += 1
    return changed


@functools.lru_cache(maxsize=None)
def _fn_api_runner_class():
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    class LocalFnApiRunner(fn_runner.FnApiRunner):
        """Beam's FnApiRunner, with one fix for ``multi_threading`` runs.

        In that mode (Beam 2.77) each worker thread's output streams are also
        flushed by a timer thread every second. That flush can cut an element
        in two: an element whose encoding runs Python code (the pickle
        fallback for a ``date`` or a dataclass) can lose the GIL between its
        header and its value. The runner then deals the chunks of a
        materialised PCollection out to the workers one by one
        (``ListBuffer.partition``), and each half is decoded on its own: into
        garbage, which in a 10,000-article run grew the process from 1.5 to
        4.6 GB within 20 s at the stage after the model (BENCHMARKS.md).
        Flushing by size only (``maybe_flush``, called between whole
        elements) keeps every chunk whole; a batch pipeline loses nothing by
        it."""

        def run_via_runner_api(self, pipeline_proto, options):
            _without_timed_flush(pipeline_proto)
            return super().run_via_runner_api(pipeline_proto, options)

    return LocalFnApiRunner


def local_runner(options: PipelineOptions):
    """The runner for a local run (no ``--runner``, or the DirectRunner): Beam's
    FnApiRunner, set up as the DirectRunner sets it up, with the fix in
    ``LocalFnApiRunner``; None for any other runner.

    The DirectRunner first tries the Prism runner, a Go binary it downloads from
    GitHub on first use: here (no network) the download fails and it falls back
    to the FnApiRunner; on a machine that can reach GitHub the run would move to
    an engine we neither test nor measure, and behind a firewall that drops
    packets the download waits for its timeout. Naming the engine keeps every
    local run on the one the tests and BENCHMARKS.md use, without network."""
    if not is_local(options):
        return None
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    # what DirectRunner hands the FnApiRunner: the options, for its workers
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    return _fn_api_runner_class()(provision_info=fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))


def head_layer(model_dir: Optional[str]) -> int:
    """The encoder layer the model folder's event head reads (event_head.json)."""
    from pipeline.nlp.events.head import EventHeadConfig, missing_head
    from pipeline.tagger import CHECKPOINT_DIR

    folder = model_dir or CHECKPOINT_DIR
    problem = missing_head(folder)
    if problem:
        raise ValueError(problem)
    return EventHeadConfig.load(folder).layer


def build(p: beam.Pipeline, cfg: RunConfig, output_dir: Optional[str] = None, *,
          skip: FrozenSet = frozenset(),
          handler: Optional[TaggerModelHandler] = None) -> Dict[str, beam.PCollection]:
    """Add the pipeline to ``p``; tables go to ``output_dir`` (default
    ``cfg.output``). ``skip``: ``(article_id, content_hash)`` keys already
    processed (``--incremental``). ``handler`` replaces the default
    ``TaggerModelHandler`` (another device set-up; tests).

    From ``SegmentSentences`` to ``Write`` the element is the whole article
    (``ArticleDoc``) and no step shuffles, so the runner fuses them into one
    stage that streams: memory does not grow with the corpus."""
    read = p | "Read" >> ReadArticles(cfg.inputs, cfg.published, cfg.max_bytes)
    articles = read["articles"]
    if several_workers(p.options):
        # Articles come out of the read one file at a time: without a shuffle
        # here, one worker would process all articles of a file (a JSON Lines
        # file of 80 articles took 89 s on 2 local workers, 57 s with it). On
        # one local worker the shuffle would only hold the corpus in memory.
        articles = articles | "SpreadOverWorkers" >> beam.Reshuffle()
    if skip:
        articles = articles | "SkipProcessed" >> manifest.SkipProcessed(skip)
    docs = (articles
            | "SegmentSentences" >> SegmentArticles()
            | "InferFrames" >> InferFrames(
                cfg.model, device=cfg.device, num_threads=cfg.threads, handler=handler,
                # the event head reads its features from the tagger's own pass
                context_layer=head_layer(cfg.model) if cfg.type_events else None,
                own_process=bool(cfg.model_process),
                # the worker threads that share the process share its tagger too
                concurrent_calls=worker_threads(p.options))
            | "DecodeEvents" >> DecodeEvents(model_name(cfg.model))
            | "ResolveArticles" >> ResolveArticles())
    if cfg.type_events:
        docs = docs | "ClassifyEvents" >> ClassifyEvents(cfg.model, num_threads=cfg.threads)
    tables = {"docs": docs, "read_dead_letters": read["dead_letters"]} | "TableRows" >> TableRows()
    tables | "Write" >> WriteOutputs(output_dir or cfg.output)
    return tables


def run(cfg: RunConfig, beam_args=None, *,
        handler: Optional[TaggerModelHandler] = None) -> accounting.Accounts:
    """Run the pipeline, check its accounting, publish its tables atomically.

    Raises on any failure (the pipeline's, the accounting's); the output then
    stays as it was before the run. Returns the run's counts."""
    if cfg.incremental and cfg.run_date is None:
        raise ValueError("incremental runs need a run_date (the partition of the new rows)")
    cfg, beam_args = local_setup(cfg, beam_args)  # workers, threads, tagger process
    entries = manifest.load(cfg.output) if cfg.incremental else []
    skip = manifest.skip_keys(entries, cfg.run_date) if cfg.incremental else frozenset()
    staging = publish.new_staging(cfg.output)
    try:
        options = PipelineOptions(beam_args, save_main_session=False)
        p = beam.Pipeline(runner=local_runner(options), options=options)
        build(p, cfg, staging, skip=skip, handler=handler)
        result = p.run()
        state = result.wait_until_finish()
        if state not in (None, PipelineState.DONE):  # None: runners that do not say
            raise RuntimeError(f"pipeline ended in state {state}")
        # the small tables whole, the events table as counts per article
        articles = read_table(staging, "articles").to_pylist()
        dead_letters = read_table(staging, "dead_letters", columns=["source", "article_id"]).to_pylist()
        events = accounting.event_counts(read_table(staging, "events", columns=["article_id"]))
        skipped = manifest.skipped_count(result) if skip else 0
        accounts = accounting.check(
            articles, events, dead_letters, cfg.inputs,
            skipped=skipped,
            skipped_sources=[e["source"] for e in entries
                             if (e["article_id"], e["content_hash"]) in skip])
        publish.publish(staging, cfg.output, TABLES, cfg.run_date)
        if cfg.incremental:  # after publishing: a crash in between redoes work, loses none
            manifest.update(cfg.output, entries, articles, cfg.run_date)
        return accounts
    finally:
        stop_model_processes()  # --model-process: the run's children, not at exit
        publish.discard(staging)
