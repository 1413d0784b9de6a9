"""One in-process measurement, run by ``bench.run`` as its own subprocess (so
that its peak RSS is its own): ``python -m bench.measure MODE --corpus DIR ...``.

Modes (all on the sentences the pipeline's segmenter makes of the corpus; the
segmenting is not timed):

* ``bare``: the tagger's forward passes alone — tokenization, encoder,
  predicate/NER heads, and the role/function heads on the predicted
  predicates — over length-sorted batches cut like the pipeline's (at most
  ``max_batch_size`` sentences and ``MAX_BATCH_WEIGHT`` words). No decoding,
  no Beam: the floor for this model.
* ``predict``: ``Predictor.predict`` on the same batches (the forward passes
  plus the Viterbi decoding the pipeline also does).
* ``naive``: ``Predictor.predict([sentence])``, one sentence at a time, as a
  user's loop would call it (``--sample N``: every k-th sentence, N in all).

Prints one JSON line: seconds (timed part only), sentences, words, tokens,
load_s (model load), batches.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import List, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pipeline_batch_limits():
    """(articles per RunInference batch, sentences per forward pass) of the
    pipeline's infer step."""
    from pipeline.runtime import handlers as infer

    return int(infer.MAX_BATCH_ARTICLES), int(infer.SENTENCE_BATCH_SIZE)


def cut_batches(sentences: Sequence, articles_per_batch: int, pass_size: int) -> List[List[int]]:
    """Sentence indices in the forward passes the pipeline makes: the corpus's
    articles (``Sentence.article_id``, in order) in groups of
    ``articles_per_batch``; each group's sentences sorted by word count and cut
    into passes of ``pass_size`` sentences and at most ``MAX_BATCH_WORDS`` padded words
    (``predictor.cut_passes``, as ``Predictor.predict`` does)."""
    groups: List[List[int]] = []
    seen: List[str] = []
    for i, s in enumerate(sentences):
        if not seen or s.article_id != seen[-1]:
            seen.append(s.article_id)
            if (len(seen) - 1) % articles_per_batch == 0:
                groups.append([])
        groups[-1].append(i)
    from pipeline.tagger.predictor import cut_passes

    passes = []
    lengths = [len(s.words) for s in sentences]
    for group in groups:
        order = sorted(group, key=lambda i: lengths[i])
        passes += cut_passes(order, lengths, pass_size)
    return passes


def forward_only(predictor, batch: List[List[str]]) -> int:
    """The model's forward passes on one batch, tokenization included, no
    decoding. Returns the number of frames (predicate passes) run."""
    import torch

    from pipeline.tagger.predictor import frame_chunks
    from pipeline.tagger.tokens import encode_words

    batch = [b for b in batch if b]
    if not batch:
        return 0
    with torch.inference_mode():
        feats = encode_words(predictor.tokenizer, batch, predictor.config.max_subwords)
        encode = predictor._onnx.encode if getattr(predictor, "_onnx", None) else predictor.model.encode
        words = encode(feats["input_ids"], feats["attention_mask"], feats["word_index"],
                       feats["word_mask"])
        pred_logits, ner_logits = predictor.word_heads(words)
        pred_p = torch.softmax(pred_logits.float(), -1)[..., 1]
        sel = (pred_p >= predictor.pred_threshold) & (feats["word_mask"] > 0)
        fs, fp = sel.nonzero(as_tuple=True)
        rows, heads = fs.tolist(), fp.tolist()
        # the role heads as the predictor runs them: its runtime, its chunks
        for lo, hi in frame_chunks(len(rows), words.size(1), predictor.max_frame_words):
            predictor._frame_log_probs(words, feats["word_mask"], rows[lo:hi], heads[lo:hi])
        torch.log_softmax(ner_logits.float(), -1).numpy()
    return int(len(fs))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bare", "predict", "naive"])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--runtime", default="torch")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--sample", type=int, default=0, help="naive: sentences to time (0 = all)")
    args = ap.parse_args(argv)

    import torch

    from bench.corpus import segmented
    from pipeline.runtime.memory import configure_worker
    from pipeline.tagger.predictor import Predictor

    if args.threads:
        torch.set_num_threads(args.threads)
    configure_worker()  # the kernels the pipeline's workers run
    records = segmented(args.corpus)
    if args.sample and args.sample < len(records):
        step = len(records) / args.sample
        records = [records[int(k * step)] for k in range(args.sample)]
    sentences = [list(s.words) for s in records]
    per_batch, pass_size = pipeline_batch_limits()
    t0 = time.perf_counter()
    pr = Predictor.from_folder(args.model, runtime=args.runtime, batch_size=pass_size)
    load_s = time.perf_counter() - t0
    pr.predict([sentences[0]])  # warm-up: first-call allocations, lazy imports

    frames = 0
    if args.mode == "naive":
        t0 = time.perf_counter()
        for s in sentences:
            frames += sum(len(r.frames) for r in pr.predict([s]))
        elapsed = time.perf_counter() - t0
        n_batches = len(sentences)
    else:
        batches = cut_batches(records, per_batch, pass_size)
        n_batches = len(batches)
        t0 = time.perf_counter()
        for idx in batches:
            batch = [sentences[i] for i in idx]
            if args.mode == "bare":
                frames += forward_only(pr, batch)
            else:
                frames += sum(len(r.frames) for r in pr.predict(batch))
        elapsed = time.perf_counter() - t0

    enc = pr.tokenizer([s for s in sentences if s], is_split_into_words=True, truncation=True,
                       max_length=pr.config.max_subwords)
    print(json.dumps({
        "mode": args.mode, "runtime": pr.runtime, "threads": torch.get_num_threads(),
        "seconds": elapsed, "load_s": load_s, "sentences": len(sentences),
        "words": sum(len(s) for s in sentences),
        "tokens": sum(len(x) for x in enc["input_ids"]), "frames": frames,
        "batches": n_batches, "articles_per_batch": per_batch, "pass_size": pass_size,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
