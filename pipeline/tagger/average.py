"""Average trained tagger folders tensor by tensor: ``python -m pipeline.tagger.average A B --out C``.

A uniform average of the weights of runs that share a starting point (warm
restarts of one run, a "model soup") often scores above each of them: 0.4.0 is
the average of two warm restarts of one full fine-tune (see the model card).
Every folder must hold the same tensors with the same shapes and the same label
maps; the average is taken in fp32 and written as fp16 safetensors, like
``EventTagger.save``. The output's config is the first folder's, with
``extra["average_of"]`` naming the inputs and keeping each input's own extra.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, Optional, Sequence

import torch

from .model import CONFIG_FILE, WEIGHTS_FILE, TaggerConfig

#: Config fields that must agree for an average to mean anything.
MUST_AGREE = ("backbone", "bio_tags", "functions", "ner_tags", "lstm_hidden", "proj_dim",
              "marker_dim", "dist_dim", "max_dist", "num_layers")


def average_states(states: Sequence[Dict[str, torch.Tensor]],
                   weights: Optional[Sequence[float]] = None) -> Dict[str, torch.Tensor]:
    """Weighted mean of state dicts (fp32); the same keys and shapes everywhere."""
    if not states:
        raise ValueError("nothing to average")
    weights = list(weights) if weights is not None else [1.0 / len(states)] * len(states)
    if len(weights) != len(states) or abs(sum(weights) - 1.0) > 1e-6:
        raise ValueError("one weight per model, summing to 1")
    keys = set(states[0])
    for s in states[1:]:
        if set(s) != keys:
            raise ValueError(f"the models hold different tensors: {sorted(keys ^ set(s))[:5]}")
    out = {}
    for k in sorted(keys):
        shapes = {tuple(s[k].shape) for s in states}
        if len(shapes) != 1:
            raise ValueError(f"tensor {k} has different shapes: {sorted(shapes)}")
        out[k] = sum(w * s[k].float() for w, s in zip(weights, states))
    return out


def average_folders(folders: Sequence[str], out: str, version: Optional[str] = None,
                    dtype=torch.float16) -> TaggerConfig:
    """Average the model folders into ``out``; returns the written config."""
    from safetensors.torch import load_file, save_file

    configs = [TaggerConfig.load(f) for f in folders]
    for name in MUST_AGREE:
        values = {repr(getattr(c, name)) for c in configs}
        if len(values) != 1:
            raise ValueError(f"the models disagree on {name}: cannot average them")
    state = average_states([load_file(os.path.join(f, WEIGHTS_FILE)) for f in folders])
    config = configs[0]
    if version:
        config.version = version
    config.extra = {"average_of": [os.path.abspath(f) for f in folders],
                    "inputs": [c.extra for c in configs]}
    os.makedirs(out, exist_ok=True)
    save_file({k: v.to(dtype).contiguous() for k, v in state.items()},
              os.path.join(out, WEIGHTS_FILE),
              metadata={"name": config.name, "version": config.version})
    config.save(out)
    return config


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", help="trained model folders (model.safetensors + "
                                              f"{CONFIG_FILE})")
    ap.add_argument("--out", required=True, help="folder to write the averaged model to")
    ap.add_argument("--version", default=None, help="version to stamp on the result")
    args = ap.parse_args(argv)
    try:
        average_folders(args.folders, args.out, args.version)
    except (ValueError, OSError) as e:
        print(f"average: {e}", file=sys.stderr)
        return 2
    print(f"averaged {len(args.folders)} models into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
