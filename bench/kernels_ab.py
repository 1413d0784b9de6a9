"""What the flat-memory settings of ``pipeline.runtime.memory`` cost in speed, A/B in one process.

    python -m bench.kernels_ab [--corpus .bench-cache/corpus-v1-80] [--events OUT/events] [--rounds 3]

Interleaved rounds, best of each printed at the end:

* the tagger's forward passes (``bench.measure.forward_only`` over the
  pipeline's passes) in PyTorch with oneDNN on and off
  (``torch.backends.mkldnn.enabled``, toggled between runs);
* the event typer embedding the first 4,000 event texts of a pipeline output
  (``--events``; skipped without it), cache cleared each time, oneDNN on and off;
* the tagger on ONNX Runtime int8 with the CPU memory arena on (a second set of
  sessions) and off (what ``pipeline.tagger.onnx_runtime`` opens).

Run it on a quiet machine: the numbers are wall times.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None, help="bench corpus folder (default: the 80-article one)")
    ap.add_argument("--events", default=None, help="events folder of a pipeline output (typer runs)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)

    import onnxruntime as ort
    import torch

    import pipeline.tagger.onnx_runtime as onnx_runtime
    from bench import corpus as C
    from bench.measure import cut_batches, forward_only, pipeline_batch_limits
    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.predictor import Predictor

    records = C.segmented(args.corpus or C.build(80))
    sentences = [list(s.words) for s in records]
    per_batch, pass_size = pipeline_batch_limits()
    passes = cut_batches(records, per_batch, pass_size)
    tagger = Predictor.from_folder(CHECKPOINT_DIR, runtime="torch", batch_size=pass_size)
    int8 = Predictor(tagger.model, tagger.tokenizer, runtime="onnx-int8", batch_size=pass_size)

    plain_session = onnx_runtime._session

    def session_with_arena(path, num_threads):
        options = plain_session(path, num_threads).get_session_options()
        options.enable_cpu_mem_arena = True
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    onnx_runtime._session = session_with_arena
    try:
        int8_arena = Predictor(tagger.model, tagger.tokenizer, runtime="onnx-int8",
                               batch_size=pass_size)
    finally:
        onnx_runtime._session = plain_session

    def tag(model):
        return lambda: [forward_only(model, [sentences[i] for i in idx]) for idx in passes]

    runs = [("tagger torch, oneDNN on", tag(tagger), True),
            ("tagger torch, oneDNN off", tag(tagger), False),
            ("tagger onnx-int8, arena on", tag(int8_arena), False),
            ("tagger onnx-int8, arena off", tag(int8), False)]
    if args.events:
        import pyarrow.dataset as ds

        from pipeline.nlp.events.similarity import EventTyper, event_text

        rows = ds.dataset(args.events, format="parquet").to_table().slice(0, 4000).to_pylist()
        texts = list(dict.fromkeys(event_text(r) for r in rows))
        typer = EventTyper()  # its text-only path (events without in-context vectors)

        def embed():
            typer._cache.clear()
            typer.embed(texts)

        runs += [("typer torch, oneDNN on", embed, True), ("typer torch, oneDNN off", embed, False)]

    best = {}
    for r in range(args.rounds):
        for name, run, onednn in runs:
            torch.backends.mkldnn.enabled = onednn
            t0 = time.perf_counter()
            run()
            seconds = time.perf_counter() - t0
            best[name] = min(seconds, best.get(name, seconds))
            print(f"round {r + 1}: {name}: {seconds:.2f} s", flush=True)
    print(f"{len(sentences)} sentences, {len(passes)} passes; best of {args.rounds}:")
    for name, seconds in best.items():
        print(f"  {name}: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
