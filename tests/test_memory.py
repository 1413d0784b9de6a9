"""pipeline.runtime.memory: the worker set-up that keeps memory flat over a long run."""
import numpy as np
import torch

from pipeline.runtime.handlers import TaggerModelHandler
from pipeline.runtime.memory import configure_worker


def test_configure_worker_turns_onednn_off_and_keeps_results():
    # GELU through oneDNN and through PyTorch's own kernel agree: the switch
    # costs nothing in accuracy
    x = torch.linspace(-6, 6, 3 * 7 * 1536).reshape(3, 7, 1536)
    with torch.backends.mkldnn.flags(enabled=True):
        with_onednn = torch.nn.functional.gelu(x)
    configure_worker()
    assert torch.backends.mkldnn.enabled is False
    # (the two kernels round differently, by up to about 1e-6 absolute: measured)
    np.testing.assert_allclose(torch.nn.functional.gelu(x).numpy(), with_onednn.numpy(),
                               rtol=1e-5, atol=1e-5)
    configure_worker()  # idempotent
    assert torch.backends.mkldnn.enabled is False


def test_the_tagger_handler_sets_up_its_worker(model_dir):
    torch.backends.mkldnn.enabled = True
    predictor = TaggerModelHandler(model_dir, num_threads=1).load_model()
    assert torch.backends.mkldnn.enabled is False
    assert predictor.predict([["Russia", "warned", "South", "Korea", "."]])[0].frames



_FRAGMENT_THEN_TRIM = r"""
import sys
from pipeline.runtime.memory import release_free_memory

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

blocks = [bytearray(64 * 1024) for _ in range(3000)]  # under glibc's mmap threshold: heap
keep = blocks[::16]          # every 16th stays alive, so the heap top cannot shrink
del blocks
full = rss_mb()
ran = release_free_memory()
print(ran, full, rss_mb(), len(keep))
"""


def test_release_free_memory_returns_freed_heap_pages_to_the_kernel():
    """~190 MB of 64 KB blocks, 15 of every 16 freed between live ones: malloc
    keeps the freed pages resident until ``release_free_memory``. In a fresh
    process, so that the test's own heap does not blur the numbers."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _FRAGMENT_THEN_TRIM], cwd=root, check=True,
                         capture_output=True, text=True).stdout.split()
    ran, before, after = out[0] == "True", float(out[1]), float(out[2])
    assert ran  # glibc (Linux): the machines this runs on
    assert before - after > 100, (before, after)  # about 15/16 of 190 MB handed back
