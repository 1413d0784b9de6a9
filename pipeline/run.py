"""The graph: read -> segment -> infer -> decode -> resolve -> write.

Each step is a named composite transform from its own module; this file only
wires them together and routes every dead letter to the ``dead_letters`` table
and to its article's row, so that input articles = ok + dead-lettered.
"""
from __future__ import annotations

import json
import os
from typing import Dict

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.decode import DecodeEvents
from pipeline.infer import InferFrames
from pipeline.options import RunConfig
from pipeline.read import ReadArticles
from pipeline.records import Article, ArticleMeta
from pipeline.resolve import ResolveArticles, dead_article_row, dead_letter_row
from pipeline.segment import SegmentArticles
from pipeline.tagger.model import CONFIG_FILE
from pipeline.write import WriteOutputs


def model_name(model_dir: str) -> str:
    """"name@version" from the model's config, without loading the weights."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        cfg = json.load(f)
    return f"{cfg.get('name', 'tagger')}@{cfg.get('version', '0')}"


def _meta(a: Article) -> ArticleMeta:
    return ArticleMeta(a.article_id, a.source, a.published, a.title, a.url, 0, a.content_hash)


def build(p: beam.Pipeline, cfg: RunConfig) -> Dict[str, beam.PCollection]:
    read = p | "Read" >> ReadArticles(cfg.inputs, cfg.published, cfg.max_bytes)
    articles = read["articles"]
    seg = articles | "SegmentSentences" >> SegmentArticles()
    inf = seg["sentences"] | "InferFrames" >> InferFrames(cfg.model, device=cfg.device,
                                                          num_threads=cfg.threads)
    events = inf["frames"] | "DecodeEvents" >> DecodeEvents(model_name(cfg.model))

    later_dead = ((seg["dead_letters"], inf["dead_letters"])
                  | "LaterDeadLetters" >> beam.Flatten())
    resolved = {
        "meta": articles | "ArticleMeta" >> beam.Map(lambda a: (a.article_id, _meta(a))),
        "events": events,
        "n_sentences": seg["sentences"] | "SentenceCounts" >> beam.Map(lambda s: (s.article_id, 1)),
        "dead": later_dead | "KeyDeadLetters" >> beam.Map(lambda d: (d.article_id, d)),
    } | "ResolveArticles" >> ResolveArticles()

    all_dead = (read["dead_letters"], later_dead) | "AllDeadLetters" >> beam.Flatten()
    read_dead_rows = read["dead_letters"] | "DeadInputRows" >> beam.Map(dead_article_row)
    article_rows = ((resolved["articles"], read_dead_rows) | "ArticleRows" >> beam.Flatten())
    tables = {
        "events": resolved["events"],
        "articles": article_rows,
        "dead_letters": all_dead | "DeadLetterRows" >> beam.Map(dead_letter_row),
    }
    tables | "Write" >> WriteOutputs(cfg.output)
    return tables


def run(cfg: RunConfig, beam_args=None) -> None:
    options = PipelineOptions(beam_args or [], save_main_session=False)
    with beam.Pipeline(options=options) as p:
        build(p, cfg)
