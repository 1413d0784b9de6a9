"""Infer stage: ``Sentence`` -> ``(Sentence, SentenceFrames)`` with the tagger.

``InferFrames`` runs ``pipeline.tagger.predictor.Predictor`` through Beam's
``RunInference``, the way Beam's own ``apache_beam/examples/inference`` do::

    inf = sentences | InferFrames(CHECKPOINT_DIR)
    inf["frames"]        # PCollection[tuple[Sentence, SentenceFrames]]
    inf["dead_letters"]  # PCollection[DeadLetter], stage="infer"

Sentences longer than the tagger's window (256 sub-words) are tagged in
overlapping word windows and merged back (``pipeline.windows``), so no word is
left unlabelled silently.

RunInference gives us, for free: one model load per worker process (through
its ``shared.Shared`` handle, or one per machine with
``share_across_processes=True``), the RunInference metrics, and a dead-letter
output for batches whose inference raised.

Batching, i.e. which sentences share a forward pass (padding to the longest
is the cost), with what Beam 2.77 offers:

* used: ``beam.SortAndBatchElements`` before ``RunInference(handler
  .with_no_batching())``. It sorts each bundle's sentences by word count and
  cuts batches of at most ``max_batch_size`` sentences and under
  ``max_batch_weight`` words, so a batch holds sentences of similar length
  and long sentences come in smaller batches. Stateless: no shuffle, any
  runner. Cost: a bundle is buffered before its first batch runs.
* not used: ``ModelHandler(batch_length_fn=, batch_bucket_boundaries=,
  max_batch_duration_secs=)``, the stateful per-length-bucket
  ``BatchElements``. Its processing-time timer sends the local DirectRunner to
  the bundle-based runner, where a downstream GroupByKey silently got none of
  the batches flushed at the end of the window when no bucket had filled up
  (seen with 2.77; the FnApiRunner was fine). It also costs a shuffle. And
  without ``max_batch_duration_secs``, ``length_fn`` is ignored.
* not used: ``ModelHandler(max_batch_weight=, element_size_fn=)``: RunInference
  2.77 hands them to ``BatchElements``, which rejects ``max_batch_weight``
  (TypeError).

``RunInference(TaggerModelHandler(...))`` used directly still works: it then
batches with plain ``BatchElements(min_batch_size, max_batch_size)`` and the
predictor sorts each batch by length itself.

The tagger (and transformers) is imported only in ``load_model``, on the
workers: building the pipeline graph does not load model code. (torch itself is
imported anyway by Beam's ``ml.inference.base`` when it is installed.)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from pipeline.records import DeadLetter, Sentence
from pipeline.windows import MIN_WINDOW_WORDS, WINDOW_WORDS, predict_windowed

if TYPE_CHECKING:  # pragma: no cover
    from pipeline.tagger.predictor import Predictor, SentenceFrames

STAGE = "infer"
FRAMES = "frames"
DEAD_LETTERS = "dead_letters"

# Cap on the words in one batch (sum over its sentences, sorted by length, so
# about sentences x longest). Bounds memory and latency of the long batches.
MAX_BATCH_WEIGHT = 2048

_EXCERPT = 200


def _n_words(sentence: Sentence) -> int:
    # Module-level (not a lambda) so that it pickles by reference.
    return len(sentence.words)


def _is_packaged_checkpoint(model_dir: str) -> bool:
    from pipeline.tagger import CHECKPOINT_DIR  # a path constant: imports no model code

    return os.path.abspath(model_dir) == os.path.abspath(CHECKPOINT_DIR)


class TaggerModelHandler(ModelHandler[Sentence, PredictionResult, "Predictor"]):
    """Loads the tagger from a model folder and runs it on batches of sentences."""

    def __init__(
        self,
        model_dir: str,
        device: str = "cpu",
        num_threads: Optional[int] = None,
        min_batch_size: int = 8,
        max_batch_size: int = 64,
        max_batch_weight: int = MAX_BATCH_WEIGHT,
        share_across_processes: bool = False,
    ):
        """``num_threads``: torch intra-op threads per model. Set it when several
        SDK worker processes share a machine: oversubscribed cores make the
        role LSTM hundreds of times slower (measured on a busy 2-core box).
        ``max_batch_weight``: words per batch, used by ``batching()``.
        ``share_across_processes``: one model per machine instead of one per
        worker process (Beam's multi_process_shared, via ``large_model``)."""
        # max_batch_weight is kept off the base class: it would be forwarded to
        # BatchElements, which rejects it (see the module docstring).
        super().__init__(
            min_batch_size=min_batch_size,
            max_batch_size=max_batch_size,
            large_model=share_across_processes,
        )
        self._model_dir = model_dir
        # The packaged checkpoint sits wherever the package is installed, which
        # differs between this machine and a remote worker: find it there.
        self._packaged = _is_packaged_checkpoint(model_dir)
        self._device = device
        self._num_threads = num_threads
        self._min_batch_size = min_batch_size
        self._max_batch_size = max_batch_size
        self._max_batch_weight = max_batch_weight

    def batching(self) -> beam.PTransform:
        """Sentences -> length-sorted batches for ``self.with_no_batching()``."""
        return beam.SortAndBatchElements(
            min_batch_size=self._min_batch_size,
            max_batch_size=self._max_batch_size,
            max_batch_weight=self._max_batch_weight,
            element_size_fn=_n_words,
        )

    def load_model(self) -> "Predictor":
        import torch

        from pipeline.tagger.predictor import Predictor

        # No hub at run time, on remote workers too (the driver's environment
        # does not travel): the backbone loads from its installed package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if self._num_threads:
            torch.set_num_threads(self._num_threads)
        # Batches arrive sized and sorted: one batch, one forward pass.
        return Predictor.from_folder(
            self.model_folder(), device=self._device, batch_size=self._max_batch_size
        )

    def model_folder(self) -> str:
        """The model folder on *this* machine (the worker, at load time)."""
        if self._packaged:
            from pipeline.tagger import CHECKPOINT_DIR

            return CHECKPOINT_DIR
        return self._model_dir

    def run_inference(
        self,
        batch: Sequence[Sentence],
        model: "Predictor",
        inference_args: Optional[Dict[str, Any]] = None,
    ) -> Iterable[PredictionResult]:
        frames = predict_all(model.predict, [s.words for s in batch])  # same order as batch
        model_id = self._model_id(model)
        return [
            PredictionResult(example=s, inference=f, model_id=model_id)
            for s, f in zip(batch, frames)
        ]

    def _model_id(self, model: "Predictor") -> str:
        # A model shared across processes is a proxy that exposes methods only,
        # not the ``name`` property: fall back to the folder.
        try:
            return model.name
        except Exception:  # noqa: BLE001
            return self._model_dir

    def get_metrics_namespace(self) -> str:
        return "newsevents_tagger"

    def __repr__(self) -> str:  # shows up in the RunInference annotations
        return f"{type(self).__name__}({self._model_dir!r}, device={self._device!r})"


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


def _to_pair(result: PredictionResult) -> Tuple[Sentence, "SentenceFrames"]:
    return result.example, result.inference


def _failed_batch_to_dead_letters(failed) -> Iterable[DeadLetter]:
    """RunInference's failed inference: ``(batch, (type, repr, traceback))``.
    The whole batch failed together, so every sentence in it is dead-lettered."""
    batch, (exc_type, exc_repr, tb) = failed
    # The traceback's last line is "module.Type: message"; keep the message.
    last = tb[-1].strip() if tb else ""
    message = last.split(": ", 1)[1] if ": " in last else ""
    name = getattr(exc_type, "__name__", str(exc_type))
    reason = f"inference_error: {name}: {message or exc_repr}"
    for sentence in batch:
        yield DeadLetter(
            source=sentence.article_id,
            stage=STAGE,
            reason=reason,
            article_id=sentence.article_id,
            excerpt=sentence.text[:_EXCERPT],
        )


class InferFrames(beam.PTransform):
    """Sentences -> ``{"frames": PCollection[(Sentence, SentenceFrames)],
    "dead_letters": PCollection[DeadLetter]}``. A batch whose inference raises
    becomes dead letters instead of failing the run; a model that cannot be
    loaded still fails it (nothing would come out anyway)."""

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

    def expand(self, sentences):
        batches = sentences | "SortAndBatch" >> self._handler.batching()
        results, failed = batches | "RunInference" >> RunInference(
            self._handler.with_no_batching()
        ).with_exception_handling()
        frames = results | "ToPairs" >> beam.Map(_to_pair)
        # No pre/post-processing fns are attached, so failed_inferences is the
        # only non-empty failure output.
        dead = failed.failed_inferences | "ToDeadLetters" >> beam.FlatMap(
            _failed_batch_to_dead_letters
        )
        return {FRAMES: frames, DEAD_LETTERS: dead}
