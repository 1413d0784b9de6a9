"""Which int8 recipe? ``python -m bench.quant_variants [--model DIR] [--limit N]``.

Builds variants of the ONNX encoder (from the optimized fp32 graph that
``pipeline.tagger.onnx_runtime`` caches) into a temporary folder and, for each,
measures the bare forward passes on the benchmark corpus (sentences/s) and the
held-out scores of ``pipeline.tagger.evaluate`` (end-to-end argument F1 on
EWT test, gold-predicate argument F1 on MASC news), on the same machine.
The recipe ``onnx_runtime.quantize_int8`` uses was chosen from this table
(``BENCHMARKS.md``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def variants():
    from onnxruntime.quantization import QuantType

    base = dict(per_channel=True, reduce_range=False, weight_type=QuantType.QInt8)
    return {
        "s8 per-channel, all ops (embeddings too)": dict(base),
        "s8 per-channel, MatMul+Attention": dict(base, op_types_to_quantize=["MatMul", "Attention"]),
        "s8 per-channel, MatMul only (attention core fp32)": dict(base, op_types_to_quantize=["MatMul"]),
        "s8 per-tensor, MatMul+Attention": dict(base, per_channel=False,
                                                op_types_to_quantize=["MatMul", "Attention"]),
        "s8 reduce_range, MatMul+Attention": dict(base, reduce_range=True,
                                                  op_types_to_quantize=["MatMul", "Attention"]),
        "u8 per-channel, MatMul+Attention": dict(base, weight_type=QuantType.QUInt8,
                                                 op_types_to_quantize=["MatMul", "Attention"]),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--corpus", default=None, help="benchmark corpus folder for the speed column")
    ap.add_argument("--limit", type=int, default=0, help="held-out sentences per set (0 = all)")
    ap.add_argument("--only", default="", help="substring filter on variant names")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import quantize_dynamic

    from bench.corpus import segmented
    from bench.measure import cut_batches, forward_only, pipeline_batch_limits
    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.data import load_heldout
    from pipeline.tagger.evaluate import score
    from pipeline.tagger.predictor import Predictor

    model = args.model or CHECKPOINT_DIR
    pr = Predictor.from_folder(model, runtime="onnx", batch_size=64)
    fp32_path = pr._onnx.path
    ewt, news = load_heldout(args.data_dir)
    if args.limit:
        ewt, news = ewt[: args.limit], news[: args.limit]
    records = segmented(args.corpus) if args.corpus else []
    sents = [list(s.words) for s in records]
    per_batch, pass_size = pipeline_batch_limits()
    batches = cut_batches(records, per_batch, pass_size)

    def measure(name):
        row = {"variant": name}
        if sents:
            t0 = time.perf_counter()
            for idx in batches:
                forward_only(pr, [sents[i] for i in idx])
            row["bare_sentences_per_s"] = len(sents) / (time.perf_counter() - t0)
        row["arg_f1"] = score(pr, ewt, gold_predicates=False)["arg_f1"]
        row["news_arg_f1"] = score(pr, news, gold_predicates=True)["arg_f1"]
        print(json.dumps(row), flush=True)
        return row

    def use(path):
        so = ort.SessionOptions()
        so.intra_op_num_threads = torch.get_num_threads()
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        pr._onnx.session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    rows = [measure("fp32 (ORT, optimized)")]
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in variants().items():
            if args.only and args.only not in name:
                continue
            path = os.path.join(tmp, "q.onnx")
            quantize_dynamic(fp32_path, path,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **kw)
            use(path)
            rows.append(measure(name))
    pr._onnx = None
    pr.runtime = "torch"
    rows.append(measure("torch fp32"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
