"""Infer stage: ``ArticleDoc`` -> the same doc with one ``SentenceFrames`` per sentence.

``InferFrames`` runs ``pipeline.tagger.predictor.Predictor`` through Beam's
``RunInference``, the way Beam's own ``apache_beam/examples/inference`` do::

    docs = docs | InferFrames(CHECKPOINT_DIR)   # PCollection[ArticleDoc], frames filled

Sentences longer than the tagger's window (256 sub-words) are tagged in
overlapping word windows and merged back (``pipeline.nlp.windows``), so no word is
left unlabelled silently.

RunInference gives us, for free: one model load per worker process (through
its ``shared.Shared`` handle, or one per machine with
``share_across_processes=True``) and the RunInference metrics. With
``own_process=True`` (the local default with two worker threads, or
``--model-process``) that one load starts a child process that holds the model
and runs its forward passes (``pipeline.runtime.model_process``), so that the
activations' heap is apart from the stage's rows and the worker's memory stays
flat over a long run; the child runs the calls of the worker's threads side by
side (``concurrent_calls``).

Batching. The element is the article, not the sentence: ``BatchElements``
(inside ``RunInference``) groups up to ``max_batch_size`` articles, and the
predictor sorts all their sentences (about 25 an article) by length and runs
them in forward passes of ``sentence_batch_size``, so a pass holds sentences of
similar length and padding costs little. Why articles and not sentences:

* no shuffle. Sentence elements would have to be gathered again per article
  (a ``GroupByKey``) before dates and actors can be resolved, and on the local
  runners a ``GroupByKey`` holds the whole corpus in memory: the peak RSS grew
  with the corpus (about 2 GB at 500 articles, measured). With whole articles
  the pipeline is one fused stage from reading to writing, memory stays flat,
  and a long job on Dataflow/Flink/Spark has no shuffle to pay for either;
* a tenth of the elements, so a tenth of the per-element overhead.

An inference that raises on a batch is retried article by article, so one bad
article costs only its own events: it gets an ``inference_error`` dead letter
(stage ``infer``) and still reaches the tables as a ``dead_letter`` row.

No ``Flatten`` anywhere between reading and writing, and no
``with_exception_handling()`` (whose failure output would need one): the
FnApiRunner (the DirectRunner's engine) materialises every ``Flatten`` input in
memory, which broke the one streaming stage in two and kept every article's
frames until the end (measured: +500 MB from 100 to 300 articles).

The tagger (and transformers) is imported only in ``load_model``, on the
workers: building the pipeline graph does not load model code. (torch itself is
imported anyway by Beam's ``ml.inference.base`` when it is installed.)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import apache_beam as beam
from apache_beam.ml.inference.base import PredictionResult, RunInference

from pipeline.records import ArticleDoc
from pipeline.runtime.handlers import TaggerModelHandler

STAGE = "infer"


def attach_frames(result: PredictionResult) -> ArticleDoc:
    """The doc with its frames, or with an ``inference_error`` dead letter."""
    doc, frames = result.example, result.inference
    if isinstance(frames, BaseException):
        return doc.failed(STAGE, f"inference_error: {type(frames).__name__}: {frames}",
                          doc.article.text)  # failed() cuts it to EXCERPT_CHARS
    return dataclasses.replace(doc, frames=tuple(frames))


class InferFrames(beam.PTransform):
    """ArticleDocs -> ArticleDocs with ``frames``. An inference that raises on
    an article becomes its dead letter instead of failing the run; a model that
    cannot be loaded still fails it (nothing would come out anyway)."""

    def __init__(
        self,
        model_dir: str,
        device: str = "cpu",
        num_threads: Optional[int] = None,
        handler: Optional[TaggerModelHandler] = None,
        **handler_kwargs: Any,
    ):
        """``handler`` replaces the default ``TaggerModelHandler`` (a subclass,
        e.g. in tests); ``handler_kwargs`` go to ``TaggerModelHandler``."""
        super().__init__()
        self._handler = handler or TaggerModelHandler(
            model_dir, device=device, num_threads=num_threads, **handler_kwargs
        )

    def expand(self, docs):
        # No ``with_exception_handling()``: ``run_inference`` already turns an
        # article's failure into its result, and the failure output would have
        # to be merged back with a ``Flatten``, which the local runners
        # materialise (the whole corpus' frames in memory). What still raises
        # is a bug or a model that cannot load, and fails the run.
        return (docs
                | "RunInference" >> RunInference(self._handler)
                | "AttachFrames" >> beam.Map(attach_frames))
