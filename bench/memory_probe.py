"""Resident memory of the models alone over a long run, pass by pass.

    python -m bench.memory_probe tagger --corpus .bench-cache/corpus-v1-500 [--runtime onnx-int8] [--onednn]
    python -m bench.memory_probe typer --events OUT/events [--onednn]

``tagger``: ``Predictor.predict`` over the pipeline's forward passes of the
corpus (``bench.measure.cut_batches``); ``typer``: ``EventTyper.type_events``
over the events of a pipeline output, 16 articles per call. Both run after
``pipeline.runtime.memory.configure_worker()`` as the pipeline's workers do, unless
``--onednn`` (PyTorch's default kernels, for comparison). Prints RSS and peak
RSS (``VmRSS``/``VmHWM`` of /proc/self/status, MB) every ``--every`` calls.
This is how the growth fixed in ``pipeline/runtime/memory.py`` was found and measured
(BENCHMARKS.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def rss_mb():
    """(current, peak) resident set size of this process in MB."""
    with open("/proc/self/status") as f:
        d = dict(line.split(":", 1) for line in f if ":" in line)
    return int(d["VmRSS"].split()[0]) // 1024, int(d["VmHWM"].split()[0]) // 1024


def _calls(args):
    if args.what == "tagger":
        from bench.corpus import segmented
        from bench.measure import cut_batches, pipeline_batch_limits
        from pipeline.tagger import CHECKPOINT_DIR
        from pipeline.tagger.predictor import Predictor

        records = segmented(args.corpus)
        sentences = [list(s.words) for s in records]
        per_batch, pass_size = pipeline_batch_limits()
        model = Predictor.from_folder(args.model or CHECKPOINT_DIR, runtime=args.runtime,
                                      batch_size=pass_size)
        return [lambda idx=idx: model.predict([sentences[i] for i in idx])
                for idx in cut_batches(records, per_batch, pass_size)]
    import pyarrow.dataset as ds

    from pipeline.nlp.events.similarity import EventTyper

    by_article = {}
    for row in ds.dataset(args.events, format="parquet").to_table().to_pylist():
        by_article.setdefault(row["article_id"], []).append(row)
    articles = list(by_article.values())
    typer = EventTyper()  # the rows carry no in-context vectors: the text-only path
    return [lambda k=k: typer.type_events([e for a in articles[k:k + 16] for e in a])
            for k in range(0, len(articles), 16)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["tagger", "typer"])
    ap.add_argument("--corpus", help="tagger: a bench corpus folder")
    ap.add_argument("--events", help="typer: the events folder of a pipeline output")
    ap.add_argument("--model", default=None, help="tagger folder (default: the committed one)")
    ap.add_argument("--runtime", default="torch", choices=["torch", "onnx", "onnx-int8"])
    ap.add_argument("--onednn", action="store_true", help="keep PyTorch's oneDNN kernels")
    ap.add_argument("--every", type=int, default=20, help="print every N calls")
    args = ap.parse_args(argv)
    if (args.what == "tagger") != bool(args.corpus) or (args.what == "typer") != bool(args.events):
        ap.error("tagger needs --corpus, typer needs --events")
    if not args.onednn:
        from pipeline.runtime.memory import configure_worker

        configure_worker()
    calls = _calls(args)
    print(f"loaded: rss/peak {rss_mb()} MB, {len(calls)} calls", flush=True)
    t0 = time.perf_counter()
    for k, call in enumerate(calls):
        call()
        if k % args.every == 0:
            print(f"call {k}: rss/peak {rss_mb()} MB, {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"end: rss/peak {rss_mb()} MB, {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
