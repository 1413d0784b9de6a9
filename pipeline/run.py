"""The graph: read -> segment -> infer -> decode -> resolve -> write; and one run of it.

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
from pipeline.decode import DecodeEvents
from pipeline.infer import InferFrames, TaggerModelHandler
from pipeline.options import RunConfig
from pipeline.read import ReadArticles
from pipeline.records import Article, ArticleMeta
from pipeline.resolve import ResolveArticles, dead_article_row, dead_letter_row
from pipeline.segment import SegmentArticles
from pipeline.tagger.model import CONFIG_FILE
from pipeline.write import TABLES, WriteOutputs, read_table


def model_name(model_dir: str) -> str:
    """"name@version" from the model's config, without loading the weights."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        cfg = json.load(f)
    return f"{cfg.get('name', 'tagger')}@{cfg.get('version', '0')}"


def _meta(a: Article) -> ArticleMeta:
    return ArticleMeta(a.article_id, a.source, a.published, a.title, a.url, 0, a.content_hash,
                       text=a.text)


def build(p: beam.Pipeline, cfg: RunConfig, output_dir: Optional[str] = None, *,
          skip: FrozenSet = frozenset(),
          handler: Optional[TaggerModelHandler] = None) -> Dict[str, beam.PCollection]:
    """Add the pipeline to ``p``; tables go to ``output_dir`` (default
    ``cfg.output``). ``skip``: ``(article_id, content_hash)`` keys already
    processed (``--incremental``). ``handler`` replaces the default
    ``TaggerModelHandler`` (another device set-up; tests)."""
    read = p | "Read" >> ReadArticles(cfg.inputs, cfg.published, cfg.max_bytes)
    articles = read["articles"]
    if skip:
        articles = articles | "SkipProcessed" >> manifest.SkipProcessed(skip)
    seg = articles | "SegmentSentences" >> SegmentArticles()
    inf = seg["sentences"] | "InferFrames" >> InferFrames(
        cfg.model, device=cfg.device, num_threads=cfg.threads, handler=handler)
    dec = inf["frames"] | "DecodeEvents" >> DecodeEvents(model_name(cfg.model))

    # Dead letters of the stages that see sentences: they also mark their article.
    later_dead = ((seg["dead_letters"], inf["dead_letters"], dec["dead_letters"])
                  | "LaterDeadLetters" >> beam.Flatten())
    resolved = {
        "meta": articles | "ArticleMeta" >> beam.Map(lambda a: (a.article_id, _meta(a))),
        "events": dec["events"],
        "mentions": dec["mentions"],
        "n_sentences": seg["sentences"] | "SentenceCounts" >> beam.Map(lambda s: (s.article_id, 1)),
        "dead": later_dead | "KeyDeadLetters" >> beam.Map(lambda d: (d.article_id, d)),
    } | "ResolveArticles" >> ResolveArticles()

    all_dead = ((read["dead_letters"], later_dead, resolved["dead_letters"])
                | "AllDeadLetters" >> beam.Flatten())
    read_dead_rows = read["dead_letters"] | "DeadInputRows" >> beam.Map(dead_article_row)
    article_rows = ((resolved["articles"], read_dead_rows) | "ArticleRows" >> beam.Flatten())
    tables = {
        "events": resolved["events"],
        "articles": article_rows,
        "dead_letters": all_dead | "DeadLetterRows" >> beam.Map(dead_letter_row),
    }
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
        rows = {t: read_table(staging, t).to_pylist() for t in TABLES}
        skipped = manifest.skipped_count(result) if skip else 0
        accounts = accounting.check(
            rows["articles"], rows["events"], rows["dead_letters"], cfg.inputs,
            skipped=skipped,
            skipped_sources=[e["source"] for e in entries
                             if (e["article_id"], e["content_hash"]) in skip])
        publish.publish(staging, cfg.output, TABLES, cfg.run_date)
        if cfg.incremental:  # after publishing: a crash in between redoes work, loses none
            manifest.update(cfg.output, entries, rows["articles"], cfg.run_date)
        return accounts
    finally:
        publish.discard(staging)
