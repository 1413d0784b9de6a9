import os

# No network at run time: tests must never reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(ROOT, "..", "shared", "data")


@pytest.fixture(scope="session")
def shared_data():
    if not os.path.isdir(SHARED_DATA):
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def model_dir():
    """The tagger folder the tests run: $NEWSEVENTS_TEST_MODEL (e.g. a freshly
    trained one), else the committed checkpoint."""
    from pipeline.tagger import CHECKPOINT_DIR

    folder = os.environ.get("NEWSEVENTS_TEST_MODEL") or CHECKPOINT_DIR
    if not os.path.isfile(os.path.join(folder, "model.safetensors")):
        pytest.fail(f"no tagger model in {folder}")
    return folder


@pytest.fixture(scope="session")
def predictor():
    """The committed model, loaded once for the whole test session."""
    import torch

    from pipeline.tagger import CHECKPOINT_DIR
    from pipeline.tagger.predictor import Predictor

    torch.set_num_threads(1)
    return Predictor.from_folder(CHECKPOINT_DIR)
