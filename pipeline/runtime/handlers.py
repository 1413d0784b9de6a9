"""The model handlers of the two RunInference stages, and how a worker loads a model.

One module for what runs on a worker before and around a model call:

* ``TaggerModelHandler`` (stage ``infer``) loads the tagger (``Predictor``),
  in this process or in a process of its own (``TaggerInOwnProcess``,
  ``pipeline.runtime.model_process``), and runs it on batches of articles;
* ``EventHeadModelHandler`` (stage ``classify``) loads the event head that
  sits beside the tagger in its folder and classifies the events of a batch;
* ``WorkerLoad``: the load policy both share: the packaged checkpoint is
  looked up again on the worker (it sits wherever the package is installed
  there), memory is set up for a long run, torch gets its thread count;
* ``per_article``: one call for a whole batch, retried article by article when
  it raises, so one bad article costs only itself.

Every option a worker needs (model folder, device, runtime, threads, context
layer) is a constructor argument: the handler is pickled to the workers with
its settings, on any runner; nothing is read from the environment there.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence

from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from pipeline.records import ArticleDoc
from pipeline.nlp.windows import predict_all
from pipeline.runtime.memory import configure_worker, release_free_memory
from pipeline.runtime.model_process import PROCESS_GONE, child_log_tail, start_model_process

if TYPE_CHECKING:  # pragma: no cover
    from pipeline.tagger.predictor import Predictor

#: Articles per RunInference batch (BatchElements adapts between min and max).
MAX_BATCH_ARTICLES = 16
#: Sentences per forward pass, after sorting a batch's sentences by length.
SENTENCE_BATCH_SIZE = 64


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


class WorkerLoad:
    """The load policy of both handlers: where the model folder is on the
    worker, and the worker's set-up before a model loads."""

    def __init__(self, model_dir: Optional[str], num_threads: Optional[int]):
        from pipeline.tagger import CHECKPOINT_DIR  # a path constant: imports no model code

        self._model_dir = model_dir or CHECKPOINT_DIR
        # The packaged checkpoint sits wherever the package is installed, which
        # differs between this machine and a remote worker: find it there.
        self._packaged = is_packaged_checkpoint(self._model_dir)
        self._num_threads = num_threads

    def model_folder(self) -> str:
        """The model folder on *this* machine (the worker, at load time)."""
        return folder_on_worker(self._model_dir, self._packaged)

    def prepare_worker(self) -> None:
        """Flat memory over a long run (``pipeline.runtime.memory``) and torch's
        thread count, before the model loads."""
        import torch

        configure_worker()
        if self._num_threads:
            torch.set_num_threads(self._num_threads)


class TaggerModelHandler(WorkerLoad, ModelHandler[ArticleDoc, PredictionResult, "Predictor"]):
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
        runtime: str = "torch",
        log_file: Optional[str] = None,
        frame_gate: bool = False,
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
        worker thread that shares it (``pipeline.runtime.workers.local_setup``).
        ``runtime``: what computes the encoder and role heads (torch, onnx,
        onnx-int8: ``pipeline.tagger.onnx_runtime``). ``log_file``: where the
        tagger process's stderr goes (``model_process``; default a temporary
        file whose tail a crash message shows). ``frame_gate``: the model
        folder's frame gate drops the predicates that can be no event before
        role decoding (``pipeline.nlp.events.gate``; it reads
        ``context_layer``)."""
        from pipeline.tagger.onnx_runtime import check_runtime

        ModelHandler.__init__(
            self,
            min_batch_size=min_batch_size,
            max_batch_size=max_batch_size,
            large_model=share_across_processes,
        )
        WorkerLoad.__init__(self, model_dir, num_threads)
        self._device = device
        self._runtime = check_runtime(runtime)
        self._sentence_batch_size = sentence_batch_size
        self._context_layer = context_layer
        self._own_process = own_process
        self._concurrent_calls = max(1, concurrent_calls)
        self._log_file = log_file
        self._frame_gate = frame_gate

    def load_model(self) -> "Predictor":
        """The predictor, or, with ``own_process``, a proxy to one loaded in a
        process of its own (one per worker process: RunInference's shared
        handle calls this once per worker)."""
        if self._own_process:
            return start_model_process(TaggerInOwnProcess, self, "tagger", self._log_file)
        return self.load_local()

    def load_local(self) -> "Predictor":
        """The predictor, in this process."""
        from pipeline.tagger.predictor import Predictor

        # No hub at run time, on remote workers too (the driver's environment
        # does not travel): the backbone loads from its installed package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.prepare_worker()
        gate = None
        if self._frame_gate:
            from pipeline.nlp.events.gate import FrameGate

            gate = FrameGate.load(self.model_folder())
        return Predictor.from_folder(
            self.model_folder(), device=self._device, batch_size=self._sentence_batch_size,
            context_layer=self._context_layer, runtime=self._runtime, frame_gate=gate)

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
            tail = child_log_tail("tagger")
            raise RuntimeError(f"the tagger process ended unexpectedly "
                               f"({type(e).__name__}: {e})"
                               + (f"; its last output:\n{tail}" if tail else "")) from e
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
        return (f"{type(self).__name__}({self._model_dir!r}, device={self._device!r}, "
                f"runtime={self._runtime!r}, frame_gate={self._frame_gate!r})")


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
    against 87 ms per 100 words (docs/PERFORMANCE.md, "The local default"). For one worker it
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


class EventHeadModelHandler(WorkerLoad, ModelHandler[ArticleDoc, PredictionResult, Any]):
    """Loads the event head once per worker and classifies the events of a batch
    of articles in one go. ``inference`` per article: a list of
    ``(is_event, event_score, event_type, event_type_score, factuality)``, one per event,
    or the exception it raised."""

    def __init__(self, model_dir: Optional[str] = None, num_threads: Optional[int] = None,
                 min_batch_size: int = 1, max_batch_size: int = MAX_BATCH_ARTICLES):
        """``model_dir``: the tagger's folder (default the packaged checkpoint),
        which holds the head. ``num_threads``: torch threads."""
        ModelHandler.__init__(self, min_batch_size=min_batch_size, max_batch_size=max_batch_size)
        WorkerLoad.__init__(self, model_dir, num_threads)

    def load_model(self):
        from pipeline.nlp.events.head import EventHead

        self.prepare_worker()
        return EventHead.load(self.model_folder())

    def run_inference(self, batch: Sequence[ArticleDoc], model,
                      inference_args: Optional[Dict[str, Any]] = None) -> Iterable[PredictionResult]:
        import numpy as np

        docs = list(batch)

        def classify(events):
            missing = [e.event_id for e in events if e.head_features is None]
            if missing:
                raise ValueError(f"{len(missing)} event(s) without head features, e.g. {missing[0]}")
            return model.classify(np.stack([e.head_features for e in events]),
                                  [e.head_context for e in events]) if events else []

        # one head call per article, never across articles: a matrix product's
        # rounding depends on how many rows it holds, and an article's scores must
        # not depend on which articles shared its batch
        per_doc = []
        for d in docs:
            per_doc += per_article([d], lambda x: x.events, classify)
        release_free_memory()  # as in infer: give malloc's free pages back
        return [PredictionResult(example=d, inference=t, model_id="event-head")
                for d, t in zip(docs, per_doc)]

    def get_metrics_namespace(self) -> str:
        return "newsevents_event_head"


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


