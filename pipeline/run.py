"""The graph: read -> segment -> infer -> decode -> resolve -> classify -> rows -> cluster -> write; and one run of it.

``build`` wires the named composite transforms of each step together and routes
every dead letter to the ``dead_letters`` table and to its article's row, so
that input articles = ok + dead-lettered (+ skipped, with ``--incremental``).

``run`` is one operator-level run: the pipeline writes into a staging folder,
and only when it has finished and its accounting holds are the tables moved
into place (``publish``) and the manifest updated (``manifest``). A run that
fails leaves the previous output untouched.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineState

from pipeline.ops import accounting, manifest, publish
from pipeline.ops.progress import ProgressMonitor, expected_articles, progress_dir
from pipeline.stages.classify import ClassifyEvents
from pipeline.stages.cluster import ClusterEvents
from pipeline.stages.decode import DecodeEvents
from pipeline.runtime.handlers import TaggerModelHandler
from pipeline.stages.infer import InferFrames
from pipeline.runtime.model_process import stop_model_processes
from pipeline.config import RunConfig
from pipeline.stages.read import ReadArticles
from pipeline.stages.resolve import ResolveArticles
from pipeline.stages.rows import TableRows
from pipeline.stages.segment import SegmentArticles
from pipeline.tagger import model_name
from pipeline.runtime.local_runner import local_runner
from pipeline.runtime.workers import local_setup, several_workers, worker_threads
from pipeline.stages.write import TABLES, WriteOutputs
from pipeline.ops.tables import read_table


#: Runners that cannot run this pipeline, by class name (lower case), with why.
#: Beam 2.77's DaskRunner loses, mixes and duplicates elements (docs/DASK.md,
#: tests/test_dask_runner.py): a run on it is refused before it starts.
UNSUPPORTED_RUNNERS = {
    "daskrunner": "Beam's DaskRunner (2.77) drops what a DoFn emits in finish_bundle, "
                  "mixes tagged outputs into the main output, runs only one sink and "
                  "duplicates side-input elements (docs/DASK.md); use the DirectRunner, "
                  "or the PortableRunner with Flink or Spark",
}


def unsupported_runner(options: PipelineOptions) -> Optional[str]:
    """Why the run's ``--runner`` cannot run this pipeline; None when it can."""
    from apache_beam.options.pipeline_options import StandardOptions

    runner = options.view_as(StandardOptions).runner
    if runner is None:
        return None
    name = runner if isinstance(runner, str) else type(runner).__name__
    return UNSUPPORTED_RUNNERS.get(name.rsplit(".", 1)[-1].lower())


def use_frame_gate(cfg: RunConfig) -> bool:
    """The frame gate runs unless ``--all-frames``, when the model folder has one."""
    from pipeline.nlp.events.gate import has_gate

    return not cfg.all_frames and has_gate(cfg.model)


def context_layer(cfg: RunConfig) -> Optional[int]:
    """The encoder layer whose word vectors the frames carry: the event head's
    (the gate reads the same one), or none when neither runs."""
    from pipeline.nlp.events.gate import GateConfig

    if cfg.type_events:
        return head_layer(cfg.model)
    return GateConfig.load(cfg.model).layer if use_frame_gate(cfg) else None


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
          handler: Optional[TaggerModelHandler] = None) -> Dict[str, object]:
    """Add the pipeline to ``p``; tables go to ``output_dir`` (default
    ``cfg.output``). ``skip``: ``(article_id, content_hash)`` keys already
    processed (``--incremental``). ``handler`` replaces the default
    ``TaggerModelHandler`` (another device set-up; tests).

    From ``SegmentSentences`` to ``Write`` the element is the whole article
    (``ArticleDoc``) and no step shuffles, so the runner fuses them into one
    stage that streams: memory does not grow with the corpus. Only the coded
    rows are shuffled after that (``ClusterEvents``: one event, many reports),
    and the rows that are not coded go on to the sink in the streaming stage."""
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
                # the event head and the frame gate read the tagger's own pass
                context_layer=context_layer(cfg),
                frame_gate=use_frame_gate(cfg),
                own_process=bool(cfg.model_process), runtime=cfg.runtime,
                log_file=cfg.log_file,
                # the worker threads that share the process share its tagger too
                concurrent_calls=worker_threads(p.options))
            | "DecodeEvents" >> DecodeEvents(model_name(cfg.model))
            | "ResolveArticles" >> ResolveArticles())
    if cfg.type_events:
        docs = docs | "ClassifyEvents" >> ClassifyEvents(cfg.model, num_threads=cfg.threads)
    progress = progress_dir(output_dir or cfg.output) if cfg.progress_every else None
    tables = ({"docs": docs, "read_dead_letters": read["dead_letters"]}
              | "TableRows" >> TableRows(progress, cfg.progress_every or 5.0))
    clustered = ({"events": tables["events"], "articles": tables["articles"]}
                 | "ClusterEvents" >> ClusterEvents())
    tables = {**tables, **clustered}  # "events": (rows not coded, coded rows)
    tables | "Write" >> WriteOutputs(output_dir or cfg.output)
    return tables


def run(cfg: RunConfig, beam_args=None, *,
        handler: Optional[TaggerModelHandler] = None) -> accounting.Accounts:
    """Run the pipeline, check its accounting, publish its tables atomically.

    Raises on any failure (the pipeline's, the accounting's); the output then
    stays as it was before the run. Returns the run's counts."""
    if cfg.incremental and cfg.run_date is None:
        raise ValueError("incremental runs need a run_date (the partition of the new rows)")
    expected = expected_articles(cfg.inputs)  # None for remote inputs
    cfg, beam_args = local_setup(cfg, beam_args, articles=expected)  # workers, threads, tagger process
    problem = unsupported_runner(PipelineOptions(beam_args))
    if problem:
        raise ValueError(f"unsupported runner: {problem}")
    entries = manifest.load(cfg.output) if cfg.incremental else []
    skip = manifest.skip_keys(entries, cfg.run_date) if cfg.incremental else frozenset()
    staging = publish.new_staging(cfg.output)
    try:
        options = PipelineOptions(beam_args, save_main_session=False)
        p = beam.Pipeline(runner=local_runner(options), options=options)
        build(p, cfg, staging, skip=skip, handler=handler)
        monitor = None
        if cfg.progress_every:
            monitor = ProgressMonitor(progress_dir(staging), expected, cfg.progress_every)
            monitor.start()
        try:
            result = p.run()
            state = result.wait_until_finish()
        finally:
            if monitor is not None:
                monitor.stop()
        if state not in (None, PipelineState.DONE):  # None: runners that do not say
            raise RuntimeError(f"pipeline ended in state {state}")
        # the small tables whole, the events table as counts per article and cluster
        articles = read_table(staging, "articles").to_pylist()
        dead_letters = read_table(staging, "dead_letters", columns=["source", "article_id"]).to_pylist()
        event_table = read_table(staging, "events", columns=["article_id", "coded", "event_cluster_id"])
        events = accounting.event_counts(event_table)
        n_clusters = accounting.check_clusters(event_table, read_table(
            staging, "event_clusters", columns=["event_cluster_id", "n_mentions"]))
        del event_table
        skipped = manifest.skipped_count(result) if skip else 0
        accounts = accounting.check(
            articles, events, dead_letters, cfg.inputs,
            skipped=skipped,
            skipped_sources=[e["source"] for e in entries
                             if (e["article_id"], e["content_hash"]) in skip])
        accounts = dataclasses.replace(accounts, clusters=n_clusters)
        publish.publish(staging, cfg.output, TABLES, cfg.run_date)
        if cfg.incremental:  # after publishing: a crash in between redoes work, loses none
            manifest.update(cfg.output, entries, articles, cfg.run_date)
        return accounts
    finally:
        stop_model_processes()  # --model-process: the run's children, not at exit
        publish.discard(staging)
