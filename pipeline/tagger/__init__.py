"""The model wing: reader (data), model, trainer, evaluator and predictor of the
event-role tagger. Knows nothing of Beam."""
import os

CHECKPOINT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoint")
