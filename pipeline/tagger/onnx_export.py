"""Building the tagger's ONNX files: export, optimisation, int8 quantisation, the cache.

The build step of the ONNX Runtime path (the sessions that run the files are
in :mod:`pipeline.tagger.onnx_runtime`). Two parts of the model are exported:

* the transformer encoder (``EventTagger.encoder``: sub-word ids -> last hidden
  states), exported with ``torch.onnx.export`` (dynamic batch and sequence
  axes), then rewritten by ONNX Runtime's transformer optimizer (fused
  embedding+LayerNorm, multi-head attention, bias+GELU and skip+LayerNorm
  kernels);
* the role heads (``EventTagger.frame_heads``: the per-predicate projection,
  BiLSTM and role/function layers, ending in log-softmaxes), exported the same
  way; the packed BiLSTM becomes one ONNX ``LSTM`` with per-frame lengths.

For runtime ``onnx-int8`` the same graphs get their weights quantized to int8
by ``onnxruntime.quantization.quantize_dynamic`` (signed int8, one scale per
output channel; activations are quantized on the fly): the encoder's MatMul
and Attention weights (the embedding table stays fp32) and the heads' MatMul
and LSTM weights. Its accuracy cost is measured in ``BENCHMARKS.md``.

The ONNX files are built once per machine, the first time a predictor asks for
them, into a cache folder outside the package (never committed)::

    $NEWSEVENTS_ONNX_CACHE, else $XDG_CACHE_HOME/newsevents/onnx,
    else ~/.cache/newsevents/onnx
        <encoder key>/encoder.onnx       exported
        <encoder key>/encoder-opt.onnx   optimized, fp32   (runtime "onnx")
        <encoder key>/encoder-int8.onnx  optimized, int8   (runtime "onnx-int8")
        <heads key>/heads.onnx           fp32
        <heads key>/heads-int8.onnx      int8

        by-folder/<folder key>.json      which files a model folder's weights built

(a per-user folder under the system temp folder when that one is not writable).
A key is a sha256 over the part's weights and configuration, this module's
recipe version and the torch / onnxruntime versions, so a retrained model or an
upgrade builds new files and never reuses stale ones. A file lock serialises
concurrent builders (several Beam worker processes starting at once): the first
one builds, the others wait and then load the finished file. The ``by-folder`` entries let a predictor whose files are built
open them without loading the PyTorch model first (``cached_files``): their
key is a sha256 over the folder's weights file and config, the backbone's
config and weights file (size and modification time: an installed package) and
the same versions, about 0.03 s against the 1.7 s of loading the model. Files are written
under a temporary name, flushed and renamed into place
(:func:`pipeline.paths.atomic_write`), so a crashed build never leaves a
half-written model behind.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import nn

from pipeline.paths import atomic_write

_LOG = logging.getLogger(__name__)

CACHE_ENV = "NEWSEVENTS_ONNX_CACHE"
# Bump when the export/optimize/quantize recipe changes: old cache entries are
# then simply never looked up again.
RECIPE_VERSION = "2"
OPSET = 17
# What onnx-int8 quantizes (the embedding table stays fp32; see BENCHMARKS.md).
ENCODER_INT8_OPS = ("MatMul", "Attention")
HEADS_INT8_OPS = ("MatMul", "LSTM")

EXPORTED = "encoder.onnx"
OPTIMIZED = "encoder-opt.onnx"
INT8 = "encoder-int8.onnx"
HEADS = "heads.onnx"
HEADS_INT8 = "heads-int8.onnx"
META = "meta.json"


def cache_root() -> str:
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "newsevents", "onnx")


def _versions() -> Dict[str, str]:
    import onnxruntime

    return {"recipe": RECIPE_VERSION, "opset": str(OPSET), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "int8_ops": [list(ENCODER_INT8_OPS), list(HEADS_INT8_OPS)]}


def _hash_state(h, module: nn.Module, names: Optional[Sequence[str]] = None) -> None:
    for name, t in sorted(module.state_dict().items()):
        if names is not None and not name.startswith(tuple(names)):
            continue
        t = t.detach().to("cpu").contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())


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
    _hash_state(h, encoder)
    return h.hexdigest()


HEAD_MODULES = ("marker.", "dist.", "proj.", "lstm.", "arg_head.", "func_head.")


def heads_key(model: nn.Module) -> str:
    """sha256 over the role heads' weights and the config fields they read."""
    h = hashlib.sha256()
    h.update(json.dumps(dict(_versions(), part="heads"), sort_keys=True).encode())
    c = model.config
    h.update(json.dumps({"max_dist": c.max_dist, "bio": list(c.bio_tags),
                         "functions": list(c.functions)}, sort_keys=True).encode())
    _hash_state(h, model, HEAD_MODULES)
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


def layer_output(layer: int) -> str:
    """Name of the extra ONNX output that holds the hidden states after encoder
    layer ``layer``."""
    return f"hidden_after_layer_{layer}"


class _LastHidden(nn.Module):
    def __init__(self, encoder: nn.Module, extra_layer: Optional[int] = None):
        super().__init__()
        self.encoder = encoder
        self.extra_layer = extra_layer

    def forward(self, input_ids, attention_mask):
        if self.extra_layer is None:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           output_hidden_states=True)
        return out.last_hidden_state, out.hidden_states[self.extra_layer]


def export_encoder(encoder: nn.Module, path: str, extra_layer: Optional[int] = None) -> None:
    """``encoder`` -> ONNX at ``path``: inputs input_ids, attention_mask (int64,
    batch x seq), output last_hidden_state (batch x seq x hidden), both axes
    dynamic; with ``extra_layer`` also ``layer_output(extra_layer)``, the hidden
    states after that layer (the event typer's in-context vectors)."""
    import warnings

    wrapper = _LastHidden(encoder, extra_layer).eval()
    outputs = ["last_hidden_state"] + ([layer_output(extra_layer)] if extra_layer is not None else [])
    # Export the eager attention (explicit MatMul/Softmax): ONNX Runtime's
    # optimizer fuses that pattern into its Attention kernel; the SDPA graph
    # of transformers 5 is left unfused (only LayerNorm/GELU fusions).
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
                input_names=["input_ids", "attention_mask"], output_names=outputs,
                dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                              "attention_mask": {0: "batch", 1: "seq"},
                              **{o: {0: "batch", 1: "seq"} for o in outputs}},
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


class _FrameLogProbs(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, words, word_mask, frame_sent, frame_pred):
        arg, fn = self.model.frame_heads(words, word_mask, frame_sent, frame_pred)
        return torch.log_softmax(arg.float(), -1), torch.log_softmax(fn.float(), -1)


def export_heads(model: nn.Module, path: str) -> None:
    """``model.frame_heads`` + log-softmax -> ONNX at ``path``. Inputs: words
    (batch x words x hidden), word_mask (batch x words), frame_sent, frame_pred
    (frames); outputs arg_lp, fn_lp (frames x words x tags)."""
    import warnings

    was_training = model.training
    model.eval()
    g = torch.Generator().manual_seed(0)
    words = torch.randn(3, 7, model.encoder.config.hidden_size, generator=g)
    word_mask = torch.tensor([[1.0] * 7, [1.0] * 4 + [0.0] * 3, [1.0] * 2 + [0.0] * 5])
    frame_sent = torch.tensor([0, 0, 1, 2])
    frame_pred = torch.tensor([1, 5, 0, 1])
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _FrameLogProbs(model), (words, word_mask, frame_sent, frame_pred), path,
                dynamo=False, opset_version=OPSET,
                input_names=["words", "word_mask", "frame_sent", "frame_pred"],
                output_names=["arg_lp", "fn_lp"],
                dynamic_axes={"words": {0: "batch", 1: "words"},
                              "word_mask": {0: "batch", 1: "words"},
                              "frame_sent": {0: "frames"}, "frame_pred": {0: "frames"},
                              "arg_lp": {0: "frames", 1: "words"},
                              "fn_lp": {0: "frames", 1: "words"}},
                do_constant_folding=True)
    finally:
        model.train(was_training)


def quantize_int8(src: str, dst: str, op_types: Sequence[str]) -> None:
    """Dynamic int8: signed weights, one scale per output channel (per-tensor
    scales cost 2 F1 points; unsigned weights or reduce_range were no better:
    ``python -m bench.quant_variants``)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The optimizer's fused ops (com.microsoft domain) defeat ONNX shape
    # inference; their outputs are all float tensors.
    quantize_dynamic(src, dst, per_channel=True, reduce_range=False,
                     weight_type=QuantType.QInt8, op_types_to_quantize=list(op_types),
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _cache_folder(key: str, cache_dir: Optional[str]) -> str:
    root = cache_dir or cache_root()
    try:
        os.makedirs(root, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(root)
    except OSError:  # read-only home (some CI and batch workers): a per-user temp folder
        if cache_dir:
            raise
        root = os.path.join(tempfile.gettempdir(), f"newsevents-onnx-{os.getuid()}")
    return os.path.join(root, key[:32])


def _ensure(folder: str, steps: Sequence[tuple], want: str, meta: Dict) -> str:
    """Run the build ``steps`` ((file name, fn(tmp_path)), in order) whose file
    is missing, under the folder's lock; return the path of ``want``."""
    path = os.path.join(folder, want)
    if os.path.isfile(path):
        return path
    with _locked(folder):
        for name, make in steps:
            if not os.path.isfile(os.path.join(folder, name)):
                with atomic_write(os.path.join(folder, name)) as tmp:
                    make(tmp)
            if name == want:
                break
        meta_path = os.path.join(folder, META)
        try:
            with open(meta_path) as f:
                meta = dict(json.load(f), **meta)
        except (OSError, ValueError):
            pass
        with atomic_write(meta_path) as tmp, open(tmp, "w") as f:
            json.dump(meta, f, indent=1)
    return path


def build(encoder: nn.Module, int8: bool, cache_dir: Optional[str] = None,
          key: Optional[str] = None, extra_layer: Optional[int] = None) -> str:
    """Path of the cached ONNX encoder (fp32-optimized or int8), building what
    is missing; ``extra_layer``: see ``export_encoder`` (a graph of its own in
    the cache). Safe to call from several processes at once."""
    key = key or encoder_key(encoder)
    if extra_layer is not None:
        key = hashlib.sha256(f"{key}:{layer_output(extra_layer)}".encode()).hexdigest()
    folder = _cache_folder(key, cache_dir)
    exported, optimized = os.path.join(folder, EXPORTED), os.path.join(folder, OPTIMIZED)
    cfg = encoder.config
    meta = dict(_versions(), key=key, part="encoder", int8_ops=list(ENCODER_INT8_OPS),
                extra_layer=extra_layer)
    steps = [
        (EXPORTED, lambda tmp: export_encoder(encoder, tmp, extra_layer)),
        (OPTIMIZED, lambda tmp: meta.__setitem__(
            "fused", optimize(exported, tmp, cfg.num_attention_heads, cfg.hidden_size))),
        (INT8, lambda tmp: quantize_int8(optimized, tmp, ENCODER_INT8_OPS)),
    ]
    return _ensure(folder, steps, INT8 if int8 else OPTIMIZED, meta)


def build_heads(model: nn.Module, int8: bool, cache_dir: Optional[str] = None,
                key: Optional[str] = None) -> str:
    """Path of the cached ONNX role heads (fp32 or int8)."""
    key = key or heads_key(model)
    folder = _cache_folder(key, cache_dir)
    fp32 = os.path.join(folder, HEADS)
    meta = dict(_versions(), key=key, part="heads", int8_ops=list(HEADS_INT8_OPS))
    steps = [(HEADS, lambda tmp: export_heads(model, tmp)),
             (HEADS_INT8, lambda tmp: quantize_int8(fp32, tmp, HEADS_INT8_OPS))]
    return _ensure(folder, steps, HEADS_INT8 if int8 else HEADS, meta)


def folder_key(model_folder: str, extra_layer: Optional[int] = None) -> str:
    """sha256 over what a model folder's ONNX files are built from, read from the
    files alone (no model is loaded): the folder's weights and config, the
    backbone's config and weights file identity, the toolchain versions and the
    extra layer."""
    from .model import WEIGHTS_FILE, TaggerConfig, resolve_backbone
    from . import CONFIG_FILE

    h = hashlib.sha256()
    h.update(json.dumps(dict(_versions(), extra_layer=extra_layer), sort_keys=True).encode())
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        with open(os.path.join(model_folder, name), "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    backbone = resolve_backbone(TaggerConfig.load(model_folder).backbone)
    if os.path.isdir(backbone):
        for name in sorted(os.listdir(backbone)):
            path = os.path.join(backbone, name)
            if name.endswith(".json") and os.path.isfile(path):
                with open(path, "rb") as f:
                    h.update(name.encode() + hashlib.sha256(f.read()).digest())
            elif name.endswith((".safetensors", ".bin")):
                st = os.stat(path)
                h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    else:  # a hub id: the name is all there is to go by
        h.update(backbone.encode())
    return h.hexdigest()


def index_path(model_folder: str, int8: bool, extra_layer: Optional[int] = None,
               cache_dir: Optional[str] = None) -> str:
    """Where the note of this model folder's built files lives (``cached_files``,
    ``remember_files``); reads and hashes the folder's files (``folder_key``)."""
    key = folder_key(model_folder, extra_layer)
    root = os.path.dirname(_cache_folder(key, cache_dir))
    return os.path.join(root, "by-folder", f"{key[:32]}-{'int8' if int8 else 'fp32'}.json")


def cached_files(index: str) -> Optional[Tuple[str, str]]:
    """(encoder, heads) files noted at ``index`` (``index_path``) by
    ``remember_files``, or None when there are none yet."""
    try:
        with open(index) as f:
            entry = json.load(f)
    except (OSError, ValueError):
        return None
    files = (entry.get("encoder"), entry.get("heads"))
    return files if all(p and os.path.isfile(p) for p in files) else None  # type: ignore[return-value]


def remember_files(index: str, model_folder: str, encoder: str, heads: str) -> None:
    """Note at ``index`` (``index_path``) which files ``build``/``build_heads``
    gave for this model folder."""
    try:
        os.makedirs(os.path.dirname(index), exist_ok=True)
        with atomic_write(index) as tmp, open(tmp, "w") as f:
            json.dump({"encoder": encoder, "heads": heads, "model_folder":
                       os.path.abspath(model_folder)}, f, indent=1)
    except OSError as e:  # a read-only cache costs the next run its fast start only
        _LOG.warning("could not note the ONNX files of %s: %s", model_folder, e)
