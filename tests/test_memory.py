"""pipeline.memory: the worker set-up that keeps memory flat over a long run."""
import numpy as np
import torch

from pipeline.infer import TaggerModelHandler
from pipeline.memory import configure_worker


def test_configure_worker_turns_onednn_off_and_keeps_results():
    # GELU through oneDNN and through PyTorch's own kernel agree: the switch
    # costs nothing in accuracy
    x = torch.linspace(-6, 6, 3 * 7 * 1536).reshape(3, 7, 1536)
    with torch.backends.mkldnn.flags(enabled=True):
        with_onednn = torch.nn.functional.gelu(x)
    configure_worker()
    assert torch.backends.mkldnn.enabled is False
    np.testing.assert_allclose(torch.nn.functional.gelu(x).numpy(), with_onednn.numpy(),
                               atol=1e-6)
    configure_worker()  # idempotent
    assert torch.backends.mkldnn.enabled is False


def test_the_tagger_handler_sets_up_its_worker(model_dir):
    torch.backends.mkldnn.enabled = True
    predictor = TaggerModelHandler(model_dir, num_threads=1).load_model()
    assert torch.backends.mkldnn.enabled is False
    assert predictor.predict([["Russia", "warned", "South", "Korea", "."]])[0].frames

