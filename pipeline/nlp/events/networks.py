"""What the event head and the factuality head share as small torch networks:
an ensemble of seeded members, and fp16 safetensors weights on disk (half the
size; both compute in fp32)."""
from __future__ import annotations

from typing import Callable


def seeded_members(make: Callable, n: int, seed: int):
    """``n`` networks from ``make()``, member k initialised under seed ``seed + k``."""
    import torch
    from torch import nn

    members = []
    for k in range(n):
        torch.manual_seed(seed + k)
        members.append(make())
    return nn.ModuleList(members)


def load_weights(net, path: str):
    """``net`` with the weights of the safetensors file ``path``, as fp32."""
    from safetensors.torch import load_file

    net.load_state_dict({k: v.float() for k, v in load_file(path).items()})
    return net


def save_weights(net, path: str) -> None:
    """``net``'s weights to ``path``, fp16."""
    from safetensors.torch import save_file

    save_file({k: v.detach().half().contiguous() for k, v in net.state_dict().items()}, path)
