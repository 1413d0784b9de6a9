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

import json
import os
from typing import Dict, FrozenSet, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineState

from pipeline import accounting, manifest, publish
from pipeline.classify import ClassifyEvents
from pipeline.decode import DecodeEvents
from pipeline.event_types import CONTEXT_LAYER
from pipeline.infer import InferFrames, TaggerModelHandler
from pipeline.options import RunConfig
from pipeline.read import ReadArticles
from pipeline.resolve import ResolveArticles
from pipeline.rows import TableRows
from pipeline.segment import SegmentArticles
from pipeline.tagger.model import CONFIG_FILE
from pipeline.write import TABLES, WriteOutputs, read_table


def model_name(model_dir: str) -> str:
    """"name@version" from the model's config, without loading the weights."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        cfg = json.load(f)
    return f"{cfg.get('name', 'tagger')}@{cfg.get('version', '0')}"


def spread_articles(options: PipelineOptions) -> bool:
    """Whether to shuffle the articles over the workers after reading: on any
    runner but the local direct one.

    The local runner already spreads the *files* over its workers (at the read's
    ``ByStem`` grouping), and a shuffle there would hold every article in memory
    until the last file is read; a distributed runner shuffles outside the
    workers' memory and so can spread one big file's articles too."""
    from apache_beam.options.pipeline_options import StandardOptions

    runner = options.view_as(StandardOptions).runner
    return runner is not None and "direct" not in str(runner).lower()


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
    if spread_articles(p.options):
        # Articles come out of the read one file at a time: without a shuffle
        # here, one worker would process all articles of a big file.
        articles = articles | "SpreadOverWorkers" >> beam.Reshuffle()
    if skip:
        articles = articles | "SkipProcessed" >> manifest.SkipProcessed(skip)
    docs = (articles
            | "SegmentSentences" >> SegmentArticles()
            | "InferFrames" >> InferFrames(
                cfg.model, device=cfg.device, num_threads=cfg.threads, handler=handler,
                # the event typer reads its vectors from the tagger's own pass
                context_layer=CONTEXT_LAYER if cfg.type_events else None)
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
    entries = manifest.load(cfg.output) if cfg.incremental else []
    skip = manifest.skip_keys(entries, cfg.run_date) if cfg.incremental else frozenset()
    staging = publish.new_staging(cfg.output)
    try:
        p = beam.Pipeline(options=PipelineOptions(beam_args or [], save_main_session=False))
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
        publish.discard(staging)
