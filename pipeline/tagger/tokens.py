"""Words -> sub-word tensors, shared by training and prediction.

One job: run the backbone's fast tokenizer over pre-split words and remember, for
each word, where its first sub-word sits. Words whose first sub-word falls past
the model window get ``word_mask = 0``: the caller sees them as not covered (the
pipeline's segmenter keeps sentences far below the window, so this is a guard).
"""
from __future__ import annotations

from typing import List, Sequence

import torch


def load_tokenizer(backbone_path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(backbone_path, use_fast=True, trust_remote_code=False)


def encode_words(tokenizer, sentences: Sequence[Sequence[str]], max_subwords: int = 256):
    """Returns a dict of tensors: input_ids, attention_mask (B x T), word_index,
    word_mask (B x W), with W the longest sentence in words."""
    enc = tokenizer([list(s) for s in sentences], is_split_into_words=True, truncation=True,
                    max_length=max_subwords, padding=True, return_tensors="pt")
    n_words = max((len(s) for s in sentences), default=0)
    word_index = torch.full((len(sentences), max(n_words, 1)), -1, dtype=torch.long)
    for b in range(len(sentences)):
        seen = set()
        for t, w in enumerate(enc.word_ids(b)):
            if w is not None and w not in seen:
                seen.add(w)
                word_index[b, w] = t
    # A word the tokenizer reduced to nothing (control characters, odd unicode)
    # borrows the [CLS] position rather than vanish: it stays a word, gets "O".
    # Words past the last one the window covers stay at -1: truncated.
    for b, s in enumerate(sentences):
        last = max((x for x in enc.word_ids(b) if x is not None), default=-1)
        for w in range(min(len(s), last)):
            if word_index[b, w] < 0:
                word_index[b, w] = 0
    word_mask = (word_index >= 0).float()
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
            "word_index": word_index, "word_mask": word_mask}
