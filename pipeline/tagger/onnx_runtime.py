"""ONNX Runtime for the tagger: the fast CPU inference path, at run time.

``Predictor(..., runtime="onnx" | "onnx-int8")`` runs the two costly parts of
the model in ONNX Runtime instead of PyTorch: the transformer encoder
(``OnnxEncoder``, a drop-in for ``EventTagger.encode``) and the role heads
(``OnnxFrameHeads``, ``EventTagger.frame_heads`` + log-softmax), both held by
one ``OnnxTagger``. The ONNX files they open are built, once per machine, by
:mod:`pipeline.tagger.onnx_export` (export, optimisation, quantisation and
the cache folder).

The predicate and NER heads (two small linear layers) and all decoding stay in
PyTorch/NumPy, so decoding is the same code on every runtime.

* ``onnx``: both graphs in fp32 (the same numbers as PyTorch to ~1e-5).
* ``onnx-int8``: the same graphs with their weights quantized to int8 (see
  :mod:`pipeline.tagger.onnx_export`). Its accuracy cost is measured in
  ``BENCHMARKS.md``.

Threads: the sessions use ``torch.get_num_threads()`` intra-op threads unless
told otherwise, so the pipeline's ``--threads`` (``torch.set_num_threads`` in
the model handler) governs both runtimes alike.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn

from .onnx_export import build, build_heads, layer_output
from .tokens import first_subword_vectors

RUNTIMES = ("torch", "onnx", "onnx-int8")


def check_runtime(runtime: str) -> str:
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
    return runtime


def _session(path: str, num_threads: Optional[int]):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = int(num_threads or torch.get_num_threads())
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle worker threads sleep instead of spinning: no core burnt between
    # calls that another Beam worker could use (measured: no loss here).
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # No CPU arena: it keeps every block it handed out and grows to fit the
    # largest pass seen so far; with a new shape on most passes memory crept
    # up with the corpus (pipeline.runtime.memory has the measurements).
    so.enable_cpu_mem_arena = False
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Drop-in for ``EventTagger.encode`` backed by an ONNX Runtime session."""

    def __init__(self, encoder: Optional[nn.Module], int8: bool = False,
                 num_threads: Optional[int] = None, cache_dir: Optional[str] = None,
                 extra_layer: Optional[int] = None, path: Optional[str] = None):
        """``extra_layer``: the graph also returns the hidden states after that
        layer (``encode_with_layer``). ``path``: a file built earlier for this
        encoder (then ``encoder`` is not needed)."""
        self.int8 = int8
        self.extra_layer = extra_layer
        self.path = path or build(encoder, int8, cache_dir, extra_layer=extra_layer)
        self.session = _session(self.path, num_threads)
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _run(self, names, input_ids, attention_mask):
        feeds = {"input_ids": input_ids.cpu().numpy().astype(np.int64, copy=False),
                 "attention_mask": attention_mask.cpu().numpy().astype(np.int64, copy=False)}
        if "token_type_ids" in self._inputs:  # an optimizer may add it back
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        return [torch.from_numpy(o) for o in self.session.run(names, feeds)]

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        (out,) = self._run(["last_hidden_state"], input_ids, attention_mask)
        return out

    def encode(self, input_ids, attention_mask, word_index, word_mask) -> torch.Tensor:
        """Same contract as ``EventTagger.encode``: one vector per word (its
        first sub-word), zero for words outside the window."""
        return first_subword_vectors(self.hidden(input_ids, attention_mask), word_index, word_mask)

    def encode_with_layer(self, input_ids, attention_mask, word_index, word_mask, layer: int):
        """Same contract as ``EventTagger.encode_with_layer``, for the layer the
        graph was built with."""
        if layer != self.extra_layer:
            raise ValueError(f"this ONNX encoder returns layer {self.extra_layer}, not {layer}")
        last, at_layer = self._run(["last_hidden_state", layer_output(layer)],
                                   input_ids, attention_mask)
        return first_subword_vectors(last, word_index, word_mask), at_layer


class OnnxFrameHeads:
    """``EventTagger.frame_heads`` + log-softmax on an ONNX Runtime session."""

    def __init__(self, model: Optional[nn.Module], int8: bool = False,
                 num_threads: Optional[int] = None, cache_dir: Optional[str] = None,
                 path: Optional[str] = None):
        self.int8 = int8
        self.path = path or build_heads(model, int8, cache_dir)
        self.session = _session(self.path, num_threads)

    def log_probs(self, words, word_mask, frame_sent, frame_pred):
        """(arg_lp, fn_lp) as float32 NumPy arrays, frames x words x tags."""
        feeds = {"words": words.detach().cpu().numpy().astype(np.float32, copy=False),
                 "word_mask": word_mask.cpu().numpy().astype(np.float32, copy=False),
                 "frame_sent": frame_sent.cpu().numpy().astype(np.int64, copy=False),
                 "frame_pred": frame_pred.cpu().numpy().astype(np.int64, copy=False)}
        arg_lp, fn_lp = self.session.run(["arg_lp", "fn_lp"], feeds)
        return arg_lp, fn_lp


class OnnxTagger:
    """The encoder and the role heads of one ``EventTagger`` on ONNX Runtime."""

    def __init__(self, model: Optional[nn.Module], int8: bool = False,
                 num_threads: Optional[int] = None, cache_dir: Optional[str] = None,
                 extra_layer: Optional[int] = None, files: Optional[tuple] = None):
        """``model``: the ``EventTagger`` whose parts are exported (built once per
        machine, ``onnx_export``); or ``files``: the (encoder, heads) files built
        earlier for it (``onnx_export.cached_files``), and no model."""
        self.int8 = int8
        enc_file, heads_file = files or (None, None)
        self.encoder = OnnxEncoder(None if files else model.encoder, int8, num_threads,
                                   cache_dir, extra_layer, path=enc_file)
        self.heads = OnnxFrameHeads(model, int8, num_threads, cache_dir, path=heads_file)
        self.encode = self.encoder.encode
        self.encode_with_layer = self.encoder.encode_with_layer
        self.hidden = self.encoder.hidden
        self.frame_log_probs = self.heads.log_probs

    @property
    def paths(self):
        return [self.encoder.path, self.heads.path]
