"""ONNX Runtime for the tagger's encoder: the fast CPU inference path.

``Predictor(..., runtime="onnx" | "onnx-int8")`` runs the transformer encoder
(``EventTagger.encoder``, sub-word ids -> last hidden states: nearly all of the
model's arithmetic) in ONNX Runtime instead of PyTorch. The small heads (predicate,
NER, and the per-predicate BiLSTM role/function heads) stay in PyTorch, so the
decoding is the same code on every runtime.

* ``onnx``: the encoder exported with ``torch.onnx.export`` (dynamic batch and
  sequence axes), then rewritten by ONNX Runtime's transformer optimizer
  (fused embedding+LayerNorm, attention, GELU and skip-LayerNorm kernels), fp32.
* ``onnx-int8``: the same graph with its MatMul/Attention weights quantized to
  int8 (per output channel) by ``onnxruntime.quantization.quantize_dynamic``;
  activations are quantized on the fly. The accuracy cost is measured in
  ``BENCHMARKS.md``.

The ONNX files are built once per machine, the first time a predictor asks for
them, into a cache folder outside the package (never committed)::

    $NEWSEVENTS_ONNX_CACHE, else $XDG_CACHE_HOME/newsevents/onnx,
    else ~/.cache/newsevents/onnx
        <key>/encoder.onnx          exported
        <key>/encoder-opt.onnx      optimized, fp32   (runtime "onnx")
        <key>/encoder-int8.onnx     optimized, int8   (runtime "onnx-int8")

(a per-user folder under the system temp folder when that one is not writable).

``<key>`` is a sha256 over the encoder's weights and configuration, this
module's recipe version and the torch / onnxruntime versions, so a retrained
model or an upgrade builds new files and never reuses stale ones. A file lock
serialises concurrent builders (several Beam worker processes starting at once):
the first one builds, the others wait and then load the finished file. Files
are written under a temporary name and renamed into place, so a crashed build
never leaves a half-written model behind.

Threads: the session uses ``torch.get_num_threads()`` intra-op threads unless
told otherwise, so the pipeline's ``--threads`` (``torch.set_num_threads`` in
the model handler) governs both runtimes alike.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from typing import Dict, Optional

import numpy as np
import torch
from torch import nn

_LOG = logging.getLogger(__name__)

RUNTIMES = ("torch", "onnx", "onnx-int8")
RUNTIME_ENV = "NEWSEVENTS_RUNTIME"
CACHE_ENV = "NEWSEVENTS_ONNX_CACHE"
# Bump when the export/optimize/quantize recipe changes: old cache entries are
# then simply never looked up again.
RECIPE_VERSION = "1"
OPSET = 17

EXPORTED = "encoder.onnx"
OPTIMIZED = "encoder-opt.onnx"
INT8 = "encoder-int8.onnx"
META = "meta.json"


def check_runtime(runtime: str) -> str:
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
    return runtime


def default_runtime() -> str:
    """``$NEWSEVENTS_RUNTIME`` or ``"torch"``. An environment variable reaches
    Beam's worker processes without any pipeline option plumbing."""
    return check_runtime(os.environ.get(RUNTIME_ENV, "").strip() or "torch")


def cache_root() -> str:
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "newsevents", "onnx")


def _versions() -> Dict[str, str]:
    import onnxruntime

    return {"recipe": RECIPE_VERSION, "opset": str(OPSET), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__}


def encoder_key(encoder: nn.Module) -> str:
    """sha256 over the encoder's weights (names, shapes, dtypes, bytes), its
    config and the toolchain versions. About 0.1 s for MiniLM-L6."""
    h = hashlib.sha256()
    h.update(json.dumps(_versions(), sort_keys=True).encode())
    cfg = getattr(encoder, "config", None)
    if cfg is not None:
        h.update(json.dumps({k: getattr(cfg, k, None) for k in
                             ("num_hidden_layers", "hidden_size", "num_attention_heads",
                              "intermediate_size", "hidden_act", "max_position_embeddings",
                              "type_vocab_size", "vocab_size", "layer_norm_eps")},
                            sort_keys=True, default=str).encode())
    for name, t in sorted(encoder.state_dict().items()):
        t = t.detach().to("cpu").contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()


@contextlib.contextmanager
def _locked(folder: str):
    import fcntl

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _writing(folder: str, name: str):
    """A temporary path in ``folder``, renamed to ``name`` when the block
    succeeds and removed when it fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(folder, name))
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class _LastHidden(nn.Module):
    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def export_encoder(encoder: nn.Module, path: str) -> None:
    """``encoder`` -> ONNX at ``path``: inputs input_ids, attention_mask (int64,
    batch x seq), output last_hidden_state (batch x seq x hidden), both axes
    dynamic."""
    import warnings

    wrapper = _LastHidden(encoder).eval()
    # Export the eager attention (explicit MatMul/Softmax): ONNX Runtime's
    # optimizer fuses that pattern into its Attention kernel; the SDPA graph
    # of transformers 5 is left unfused (measured: 2x slower).
    cfg = getattr(encoder, "config", None)
    attn_before = getattr(cfg, "_attn_implementation", None)
    can_switch = attn_before not in (None, "eager") and hasattr(encoder, "set_attn_implementation")
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102, 0],
                        [101, 2023, 2003, 2178, 102, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    try:
        if can_switch:
            encoder.set_attn_implementation("eager")
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The TorchScript-based exporter gives the plain op graph that ONNX
            # Runtime's transformer optimizer pattern-matches best.
            torch.onnx.export(
                wrapper, (ids, mask), path, dynamo=False, opset_version=OPSET,
                input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                              "attention_mask": {0: "batch", 1: "seq"},
                              "last_hidden_state": {0: "batch", 1: "seq"}},
                do_constant_folding=True)
    finally:
        if can_switch:
            encoder.set_attn_implementation(attn_before)


def optimize(src: str, dst: str, num_heads: int, hidden_size: int) -> bool:
    """ONNX Runtime's offline transformer fusions; False (and ``dst`` a copy of
    ``src``) when the optimizer is unavailable or fails."""
    import shutil

    try:
        from onnxruntime.transformers.optimizer import optimize_model

        model = optimize_model(src, model_type="bert", num_heads=num_heads,
                               hidden_size=hidden_size, opt_level=1, use_gpu=False)
        model.save_model_to_file(dst)
        return True
    except Exception as e:  # noqa: BLE001 - a plain graph still runs, only slower
        _LOG.warning("onnxruntime transformer optimizer failed (%s); using the plain graph", e)
        shutil.copyfile(src, dst)
        return False


def quantize_int8(src: str, dst: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import onnx

    # The optimizer's fused ops (com.microsoft domain) defeat ONNX shape
    # inference; their outputs are all float tensors.
    quantize_dynamic(src, dst, per_channel=True, reduce_range=False,
                     weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def build(encoder: nn.Module, int8: bool, cache_dir: Optional[str] = None,
          key: Optional[str] = None) -> str:
    """Path of the cached ONNX encoder (fp32-optimized or int8), building what
    is missing. Safe to call from several processes at once."""
    key = key or encoder_key(encoder)
    root = cache_dir or cache_root()
    try:
        os.makedirs(root, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(root)
    except OSError:  # read-only home (some CI and batch workers): a per-user temp folder
        if cache_dir:
            raise
        root = os.path.join(tempfile.gettempdir(), f"newsevents-onnx-{os.getuid()}")
    folder = os.path.join(root, key[:32])
    want = os.path.join(folder, INT8 if int8 else OPTIMIZED)
    if os.path.isfile(want):
        return want
    with _locked(folder):
        if os.path.isfile(want):  # built by another process while we waited
            return want
        exported = os.path.join(folder, EXPORTED)
        optimized = os.path.join(folder, OPTIMIZED)
        meta = dict(_versions(), key=key)
        if not os.path.isfile(exported):
            with _writing(folder, EXPORTED) as tmp:
                export_encoder(encoder, tmp)
        if not os.path.isfile(optimized):
            cfg = encoder.config
            with _writing(folder, OPTIMIZED) as tmp:
                meta["fused"] = optimize(exported, tmp, cfg.num_attention_heads, cfg.hidden_size)
            with open(os.path.join(folder, META), "w") as f:
                json.dump(meta, f, indent=1)
        if int8 and not os.path.isfile(want):
            with _writing(folder, INT8) as tmp:
                quantize_int8(optimized, tmp)
    return want


class OnnxEncoder:
    """Drop-in for ``EventTagger.encode`` backed by an ONNX Runtime session."""

    def __init__(self, encoder: nn.Module, int8: bool = False, num_threads: Optional[int] = None,
                 cache_dir: Optional[str] = None):
        import onnxruntime as ort

        self.int8 = int8
        self.path = build(encoder, int8, cache_dir)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = int(num_threads or torch.get_num_threads())
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Spinning worker threads burn the other Beam worker's core between calls.
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(self.path, so, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        feeds = {"input_ids": input_ids.cpu().numpy().astype(np.int64, copy=False),
                 "attention_mask": attention_mask.cpu().numpy().astype(np.int64, copy=False)}
        if "token_type_ids" in self._inputs:  # an optimizer may add it back
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        (out,) = self.session.run(["last_hidden_state"], feeds)
        return torch.from_numpy(out)

    def encode(self, input_ids, attention_mask, word_index, word_mask) -> torch.Tensor:
        """Same contract as ``EventTagger.encode``: one vector per word (its
        first sub-word), zero for words outside the window."""
        hidden = self.hidden(input_ids, attention_mask).to(word_mask.device)
        idx = word_index.clamp(min=0).unsqueeze(-1).expand(-1, -1, hidden.size(-1))
        return torch.gather(hidden, 1, idx) * word_mask.unsqueeze(-1)
