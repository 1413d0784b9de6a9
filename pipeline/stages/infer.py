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
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from pipeline.runtime.memory import configure_worker, release_free_memory
from pipeline.runtime.model_process import PROCESS_GONE, start_model_process
from pipeline.records import ArticleDoc
from pipeline.nlp.windows import MIN_WINDOW_WORDS, WINDOW_WORDS, predict_windowed

if TYPE_CHECKING:  # pragma: no cover
    from pipeline.tagger.predictor import Predictor

STAGE = "infer"

#: Articles per RunInference batch (BatchElements adapts between min and max).
MAX_BATCH_ARTICLES = 16
#: Sentences per forward pass, after sorting a batch's sentences by length.
SENTENCE_BATCH_SIZE = 64

_EXCERPT = 200


def is_packaged_checkpoint(model_dir: str) -> bool:
    from pipeline.tagger import CHECKPOINT_DIR  # a path constant: imports no model code

    return os.path.abspath(model_dir) == os.path.abspath(CHECKPOINT_DIR)


def folder_on_worker(model_dir: str, packaged: bool) -> str:
    """``model_dir`` as seen on the worker that loads it: the packaged
    checkpoint is looked up again there (``packaged``, from
    ``is_packaged_checkpoint`` on the machine that built the pipeline)."""
    if packaged:
        from pipeline.tagger import CHECKPOINT_DIR

        return CHECKPOINT_DIR
    return model_dir


class TaggerModelHandler(ModelHandler[ArticleDoc, PredictionResult, "Predictor"]):
    """Loads the tagger from a model folder and runs it on batches of articles.

    ``run_inference`` returns, per article, a ``PredictionResult`` whose
    ``inference`` is the tuple of ``SentenceFrames`` (one per sentence), or the
    exception that tagging this article alone raised."""

    def __init__(
        self,
        model_dir: str,
        device: str = "cpu",
        num_threads: Optional[int] = None,
        min_batch_size: int = MAX_BATCH_ARTICLES,
        max_batch_size: int = MAX_BATCH_ARTICLES,
        sentence_batch_size: int = SENTENCE_BATCH_SIZE,
        share_across_processes: bool = False,
        context_layer: Optional[int] = None,
        own_process: bool = False,
        concurrent_calls: int = 1,
    ):
        """``num_threads``: torch intra-op threads per model. Set it when several
        SDK worker processes share a machine: oversubscribed cores make the
        role LSTM hundreds of times slower (measured on a busy 2-core box).
        ``min/max_batch_size``: articles per batch; ``sentence_batch_size``:
        sentences per forward pass. ``share_across_processes``: one model per
        machine instead of one per worker process (Beam's
        multi_process_shared, via ``large_model``). ``context_layer``: the
        frames also carry every word's vector after that encoder layer, for the
        event typer (``Predictor``). ``own_process``: load the tagger in a
        process of its own, called through a proxy (``model_process``), so that
        its forward passes' memory is apart from the rest of the stage.
        ``concurrent_calls``: how many calls that process runs at once, one per
        worker thread that shares it (``pipeline.runtime.workers.local_setup``)."""
        super().__init__(
            min_batch_size=min_batch_size,
            max_batch_size=max_batch_size,
            large_model=share_across_processes,
        )
        self._model_dir = model_dir
        # The packaged checkpoint sits wherever the package is installed, which
        # differs between this machine and a remote worker: find it there.
        self._packaged = is_packaged_checkpoint(model_dir)
        self._device = device
        self._num_threads = num_threads
        self._sentence_batch_size = sentence_batch_size
        self._context_layer = context_layer
        self._own_process = own_process
        self._concurrent_calls = max(1, concurrent_calls)

    def load_model(self) -> "Predictor":
        """The predictor, or, with ``own_process``, a proxy to one loaded in a
        process of its own (one per worker process: RunInference's shared
        handle calls this once per worker)."""
        if self._own_process:
            return start_model_process(TaggerInOwnProcess, self, "tagger")
        return self.load_local()

    def load_local(self) -> "Predictor":
        """The predictor, in this process."""
        import torch

        from pipeline.tagger.predictor import Predictor

        # No hub at run time, on remote workers too (the driver's environment
        # does not travel): the backbone loads from its installed package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        configure_worker()  # flat memory over a long run (pipeline.runtime.memory)
        if self._num_threads:
            torch.set_num_threads(self._num_threads)
        return Predictor.from_folder(
            self.model_folder(), device=self._device, batch_size=self._sentence_batch_size,
            context_layer=self._context_layer)

    def model_folder(self) -> str:
        """The model folder on *this* machine (the worker, at load time)."""
        return folder_on_worker(self._model_dir, self._packaged)

    def run_inference(
        self,
        batch: Sequence[ArticleDoc],
        model: "Predictor",
        inference_args: Optional[Dict[str, Any]] = None,
    ) -> Iterable[PredictionResult]:
        docs = list(batch)
        model_id = self._model_id(model)
        # all the batch's sentences in one call: the predictor sorts them by length
        try:
            per_doc = per_article(docs, lambda d: [s.words for s in d.sentences],
                                  lambda sentences: predict_all(model.predict, sentences),
                                  fatal=PROCESS_GONE)
        except PROCESS_GONE as e:
            # not the articles' fault: fail the run (exit 1) rather than dead-letter
            # every article after the tagger process died (killed, out of memory)
            raise RuntimeError(f"the tagger process ended unexpectedly "
                               f"({type(e).__name__}: {e})") from e
        release_free_memory()  # the batch's activations: freed, but kept by malloc
        return [PredictionResult(example=d, inference=f, model_id=model_id)
                for d, f in zip(docs, per_doc)]

    def _model_id(self, model: "Predictor") -> str:
        # A model in another process is a proxy that exposes methods only, not
        # the ``name`` property: ours has ``model_name()``; Beam's shared one
        # neither, so fall back to the folder.
        for get in (lambda: model.name, lambda: model.model_name()):
            try:
                return get()
            except Exception:  # noqa: BLE001
                pass
        return self._model_dir

    def get_metrics_namespace(self) -> str:
        return "newsevents_tagger"

    def __repr__(self) -> str:  # shows up in the RunInference annotations
        return f"{type(self).__name__}({self._model_dir!r}, device={self._device!r})"


class TaggerInOwnProcess:
    """The tagger as it lives in its own process (``own_process``): built
    there from the handler, called through Beam's proxy. Hands the freed
    activations back after every call, as ``run_inference`` does in-process.

    Runs the calls on threads of its own, as many as the handler's
    ``concurrent_calls`` (one per worker thread sharing this process), and
    loads the model on the first. Why not on Beam's server threads (one per
    caller): torch with two or more threads, run from another thread than the
    one that first ran it, was a third slower here (a 400-sentence call: 7.1-8.2 s
    against 5.5-6.3 s; 4.5-5.5 s on its own thread throughout), a per-thread
    effect of its OpenMP pool. With one torch thread per call (two worker
    threads on two cores) the second thread is not slower: 300 articles, 83
    against 87 ms per 100 words (BENCHMARKS.md, session 9). For one worker it
    is one thread, the loading one."""

    def __init__(self, handler: TaggerModelHandler):
        from concurrent.futures import ThreadPoolExecutor

        self._thread = ThreadPoolExecutor(max_workers=handler._concurrent_calls,
                                          thread_name_prefix="tagger")
        self._predictor = self._thread.submit(handler.load_local).result()

    def predict(self, sentences: Sequence[Sequence[str]]) -> list:
        return self._thread.submit(self._predict, sentences).result()

    def _predict(self, sentences: Sequence[Sequence[str]]) -> list:
        try:
            return self._predictor.predict(sentences)
        finally:
            release_free_memory()

    def model_name(self) -> str:
        return self._predictor.name


def per_article(docs: Sequence[ArticleDoc], items: Callable[[ArticleDoc], Sequence],
                run: Callable[[list], Sequence], fatal: tuple = ()) -> List[Any]:
    """``run`` on the ``items`` of all ``docs`` in one call, cut back into one
    tuple per doc; if that call raises, ``run`` on each doc alone, and a doc
    whose call raises gets the exception instead: one bad article costs only
    itself. ``fatal``: exception types that are no article's fault and are
    raised as they are. (Both RunInference stages, ``infer`` and ``classify``,
    use it.)"""
    try:
        flat = list(run([x for d in docs for x in items(d)]))
    except fatal:
        raise
    except Exception as batch_error:  # noqa: BLE001 -- find the article that raised
        if len(docs) == 1:
            return [batch_error]
        out: List[Any] = []
        for d in docs:
            try:
                out.append(tuple(run(list(items(d)))))
            except fatal:
                raise
            except Exception as e:  # noqa: BLE001
                out.append(e)
        return out
    out, k = [], 0
    for d in docs:
        n = len(items(d))
        out.append(tuple(flat[k:k + n]))
        k += n
    return out


def predict_all(predict, sentences: Sequence[Sequence[str]]) -> list:
    """``predict`` on every sentence, long ones in overlapping windows.

    A sentence of more than ``WINDOW_WORDS`` words goes to windows straight
    away (the full-length pass would be wasted); a shorter one that still ran
    past the model window (``covered < len(words)``, sub-word-heavy text) is
    tagged again in smaller windows. Nothing is truncated silently."""
    direct = [i for i, words in enumerate(sentences) if len(words) <= WINDOW_WORDS]
    out: list = [None] * len(sentences)
    for i, frames in zip(direct, predict([sentences[i] for i in direct]) if direct else []):
        out[i] = frames
    for i, words in enumerate(sentences):
        if out[i] is None:
            out[i] = predict_windowed(predict, words)
        elif out[i].covered < len(words):
            fitted = min(len(words) // 2, out[i].covered)  # windows of what fitted
            out[i] = predict_windowed(predict, words, size=max(MIN_WINDOW_WORDS, fitted))
    return out


def attach_frames(result: PredictionResult) -> ArticleDoc:
    """The doc with its frames, or with an ``inference_error`` dead letter."""
    doc, frames = result.example, result.inference
    if isinstance(frames, BaseException):
        return doc.failed(STAGE, f"inference_error: {type(frames).__name__}: {frames}",
                          doc.meta.text[:_EXCERPT])
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
