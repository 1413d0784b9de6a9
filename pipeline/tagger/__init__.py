"""The model wing: reader (data), model, trainer, evaluator and predictor of the
event-role tagger. Knows nothing of Beam."""
import json
import os

CHECKPOINT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoint")
CONFIG_FILE = "tagger_config.json"


def model_name(model_dir: str) -> str:
    """"name@version" from the model's config, without loading the weights (or torch)."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        cfg = json.load(f)
    return f"{cfg.get('name', 'tagger')}@{cfg.get('version', '0')}"
