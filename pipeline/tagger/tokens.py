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
    """The backbone's Hugging Face tokenizer (``transformers``): for callers that
    need its full API (the similarity typer's plain-text batches). The tagger
    itself uses ``load_word_tokenizer``."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(backbone_path, use_fast=True, trust_remote_code=False)


def load_word_tokenizer(backbone_path: str):
    """The backbone's fast tokenizer as a ``tokenizers.Tokenizer``, read from its
    ``tokenizer.json``: the Rust object that ``transformers``' fast tokenizer
    wraps, without importing ``transformers`` (about 0.8 s of a one-article run's
    start-up). Falls back to ``load_tokenizer`` for a backbone folder that has no
    ``tokenizer.json``. ``encode_words`` takes either and gives the same ids
    (tested against ``transformers`` in tests/test_tokens.py)."""
    import os

    path = os.path.join(backbone_path, "tokenizer.json")
    if not os.path.isfile(path):
        return load_tokenizer(backbone_path)
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def _backend(tokenizer):
    """The ``tokenizers.Tokenizer`` under a ``transformers`` fast tokenizer, or the
    tokenizer itself."""
    return getattr(tokenizer, "backend_tokenizer", tokenizer)


def encode_words(tokenizer, sentences: Sequence[Sequence[str]], max_subwords: int = 256):
    """Returns a dict of tensors: input_ids, attention_mask, subword_word (B x T:
    the word each sub-word belongs to, -1 for [CLS], [SEP] and padding),
    word_index, word_mask (B x W), with W the longest sentence in words."""
    tok = _backend(tokenizer)
    # what transformers' fast tokenizer sets before a call with truncation=True,
    # padding=True (longest in the batch): the same ids, attention mask, word ids
    tok.enable_truncation(max_subwords, stride=0, strategy="longest_first", direction="right")
    pad = tok.padding or {}
    pad_token = pad.get("pad_token", "[PAD]")
    tok.enable_padding(direction="right", pad_id=tok.token_to_id(pad_token) or 0,
                       pad_type_id=0, pad_token=pad_token, length=None)
    encodings = tok.encode_batch([list(s) for s in sentences], is_pretokenized=True,
                                 add_special_tokens=True)
    width = len(encodings[0].ids) if encodings else 0  # padded: all the same length
    input_ids = torch.tensor([e.ids for e in encodings], dtype=torch.long).reshape(
        len(sentences), width)
    attention_mask = torch.tensor([e.attention_mask for e in encodings],
                                  dtype=torch.long).reshape(len(sentences), width)
    word_ids = [e.word_ids for e in encodings]
    n_words = max((len(s) for s in sentences), default=0)
    word_index = torch.full((len(sentences), max(n_words, 1)), -1, dtype=torch.long)
    subword_word = torch.full(input_ids.shape, -1, dtype=torch.long)
    for b in range(len(sentences)):
        seen = set()
        for t, w in enumerate(word_ids[b]):
            if w is not None:
                subword_word[b, t] = w
                if w not in seen:
                    seen.add(w)
                    word_index[b, w] = t
    # A word the tokenizer reduced to nothing (control characters, odd unicode)
    # borrows the [CLS] position rather than vanish: it stays a word, gets "O".
    # Words past the last one the window covers stay at -1: truncated.
    for b, s in enumerate(sentences):
        last = max((x for x in word_ids[b] if x is not None), default=-1)
        for w in range(min(len(s), last)):
            if word_index[b, w] < 0:
                word_index[b, w] = 0
    word_mask = (word_index >= 0).float()
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "subword_word": subword_word, "word_index": word_index, "word_mask": word_mask}


def first_subword_vectors(hidden: torch.Tensor, word_index: torch.Tensor,
                          word_mask: torch.Tensor) -> torch.Tensor:
    """One vector per word, its first sub-word's: ``hidden`` (B x T x H) ->
    B x W x H, zeros for words outside the window (``encode_words``)."""
    hidden = hidden.to(word_mask.device)
    idx = word_index.clamp(min=0).unsqueeze(-1).expand(-1, -1, hidden.size(-1))
    return torch.gather(hidden, 1, idx) * word_mask.unsqueeze(-1)


def word_means(hidden: torch.Tensor, subword_word: torch.Tensor, n_words: int) -> torch.Tensor:
    """Per word, the mean of its sub-words' vectors: ``hidden`` (B x T x H) and
    ``subword_word`` (B x T, from ``encode_words``) -> B x ``n_words`` x H. A
    word with no sub-word in the window gets zeros."""
    b, t, h = hidden.shape
    w = max(n_words, 1)
    keep = subword_word >= 0
    rows = torch.arange(b, device=hidden.device).unsqueeze(1).expand(b, t)
    flat = (rows * w + subword_word.clamp(min=0))[keep]
    sums = torch.zeros(b * w, h, dtype=hidden.dtype, device=hidden.device)
    sums.index_add_(0, flat, hidden[keep])
    counts = torch.zeros(b * w, dtype=hidden.dtype, device=hidden.device)
    counts.index_add_(0, flat, torch.ones_like(flat, dtype=hidden.dtype))
    return (sums / counts.clamp(min=1).unsqueeze(1)).view(b, w, h)
