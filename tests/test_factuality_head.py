"""The factuality head: its window on the sentence, the packaged head on the
tagger's real vectors, and its trainer in miniature."""
import numpy as np
import pytest

from pipeline.nlp.events.factuality_head import (FactualityHead, FactualityHeadConfig,
                                                 has_factuality_head, window_inputs)
from pipeline.nlp.events.head import EventHead, EventHeadConfig


@pytest.fixture(scope="module")
def events_of(model_dir):
    from bench.gold_offline import decoded_events
    from pipeline.tagger.predictor import Predictor

    pr = Predictor.from_folder(model_dir, context_layer=EventHeadConfig.load(model_dir).layer)
    return lambda text, aid="a": decoded_events({aid: text}, pr)


def test_the_window_is_centred_on_the_predicate_and_stays_in_the_sentence():
    cfg = FactualityHeadConfig(dim=2, window=4, radius=1)
    vectors = np.arange(20, dtype=np.float32).reshape(10, 2)  # word i: (2i, 2i+1)
    X, mask, dist, mark = window_inputs([(vectors, (5, 6)), (vectors, (0,)),
                                         (vectors[:3], (2,))], cfg)
    # words 3..6 around the predicate at 5 (and 6: a two-word predicate)
    assert X[0, :, 0].tolist() == [6, 8, 10, 12] and mask[0].all()
    assert mark[0].tolist() == [0, 0, 1, 1]
    assert dist[0].tolist() == [0, 0, 1, 2]  # distances -2, -1 (both clipped to -1), 0, +1
    # at the sentence's start the window starts there; a short sentence is padded
    assert X[1, :, 0].tolist() == [0, 2, 4, 6] and mark[1].tolist() == [1, 0, 0, 0]
    assert mask[2].tolist() == [True, True, True, False] and mark[2].tolist() == [0, 0, 1, 0]


def test_the_packaged_model_carries_a_factuality_head_chosen_out_of_fold(model_dir):
    assert has_factuality_head(model_dir)
    head = EventHead.load(model_dir)
    fh = head.factuality_head
    assert fh is not None and fh.config.layer == head.config.layer
    assert fh.config.values == ["asserted", "negated", "hypothetical", "future", "denied"]
    oof = fh.config.extra["oof_factuality_accuracy"]
    # it is used because, out of fold on the dev articles, it beat the rules
    assert fh.config.min_prob <= 1 and oof["chosen"] > oof["rules"]


def test_an_event_head_with_a_factuality_head_needs_each_events_context(model_dir, events_of):
    head = EventHead.load(model_dir)
    events = events_of("Police arrested 40 protesters in Nairobi.")
    features = np.stack([e.head_features for e in events])
    with pytest.raises(ValueError, match="context"):
        head.classify(features)
    out = head.classify(features, [e.head_context for e in events])
    assert len(out) == len(events)


def test_the_packaged_head_reads_factuality_from_the_sentence(model_dir, events_of):
    """Where the rules miss ("Sending troops ... would be a mistake": no modal on
    the gerund, so asserted by the rules), the head reads it; where the rules say
    what the head saw too rarely to learn (denied), theirs stands."""
    head = EventHead.load(model_dir)
    events = events_of(SENTENCES)
    out = head.classify(np.stack([e.head_features for e in events]),
                        [e.head_context for e in events])
    final = {e.action: fact or e.factuality for e, (_, _, _, _, fact) in zip(events, out)}
    rules = {e.action: e.factuality for e in events}
    assert {a: final[a] for a in EXPECTED} == EXPECTED
    assert rules["Sending"] == "asserted"  # the head's correction
    assert head.factuality_head.config.keep_rules == ["denied"]


def test_padding_to_the_sentence_gives_the_full_windows_answer(model_dir, events_of):
    """Run time pads each window to its sentence's length (rounded up to 16
    words), not to the 64-word window it was trained with: the padding is masked,
    so the probabilities are the full window's."""
    import torch

    fh = EventHead.load(model_dir).factuality_head
    events = events_of(SENTENCES + " " + LONG)
    contexts = [e.head_context for e in events]
    features = np.stack([e.head_features for e in events])
    assert {min(64, -(-len(v) // 16) * 16) for v, _ in contexts} == {16, 64}
    with torch.inference_mode():
        full = torch.softmax(fh.net(*fh.inputs(contexts, features)), -1).numpy()
    assert np.allclose(fh.probabilities(contexts, features), full, atol=1e-5)


#: a sentence longer than the 64-word window
LONG = ("The delegates, who had travelled from " + ", ".join(f"city {k}" for k in range(25))
        + " and the coast, said they would meet the governor on Friday to discuss the "
          "water shortage that has hit the region since the spring.")

#: sentences of our own (not from the gold set), and the factuality they must get
SENTENCES = ("Rebels attacked the convoy on Tuesday. The minister will visit Kabul next week. "
             "The army denied that it shelled the village. Officials did not confirm the "
             "arrests. If the talks fail, the union could strike. Sending troops to Kyiv "
             "would be a serious mistake.")
EXPECTED = {"attacked": "asserted", "visit": "future", "shelled": "denied",
            "confirm": "negated", "strike": "hypothetical", "Sending": "hypothetical"}


def test_saved_and_loaded_a_head_answers_the_same(tmp_path):
    cfg = FactualityHeadConfig(dim=8, n_flags=3, width=8, heads=2, window=6, members=2,
                               min_prob=0.3)
    from pipeline.nlp.events.factuality_head import build_network

    head = FactualityHead(cfg, build_network(cfg, seed=3))
    rng = np.random.default_rng(0)
    contexts = [(rng.normal(size=(5, 8)).astype(np.float16), (1,)),
                (rng.normal(size=(9, 8)).astype(np.float16), (7, 8))]
    features = rng.normal(size=(2, 4 * 8 + 3)).astype(np.float16)
    head.save(str(tmp_path))
    loaded = FactualityHead.load(str(tmp_path))
    assert loaded.config == cfg
    a = head.probabilities(contexts, features)
    b = loaded.probabilities(contexts, features)
    assert a.shape == (2, 5) and np.allclose(a.sum(1), 1)
    assert np.allclose(a, b, atol=5e-3)  # fp16 weights on disk
    # decide: its answer where at least min_prob sure and the rules' value is not
    # one it leaves to them, else None (the rules' value stands)
    sure = FactualityHead(FactualityHeadConfig(min_prob=0.6, keep_rules=["denied"]), head.net)
    probs = np.array([[0.7, 0.1, 0.1, 0.05, 0.05], [0.5, 0.4, 0.1, 0, 0],
                      [0.9, 0.0, 0.0, 0.0, 0.1]])
    assert sure.decide(probs, ["future", "asserted", "denied"]) == ["asserted", None, None]


def test_trainer_writes_a_head_that_the_event_head_loads(tmp_path, model_dir, shared_data):
    """`make train-factuality` in miniature: three dev and three training-only
    articles, one member, one epoch; the head lands beside the tagger with the
    out-of-fold figures it was chosen by."""
    import json
    import shutil

    from pipeline.tagger import train_factuality_head as trainer

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("tagger_config.json", "model.safetensors", "event_head.json",
                 "event_head.safetensors"):
        shutil.copy(f"{model_dir}/{name}", folder)
    assert trainer.main(["--model", str(folder), "--data-dir", shared_data, "--articles", "3",
                         "--epochs", "1", "--members", "1", "--runtimes", "torch",
                         "--work", str(tmp_path / "work")]) == 0
    cfg = json.load(open(folder / "factuality_head.json"))
    assert cfg["members"] == 1 and cfg["extra"]["runtimes"] == ["torch"]
    assert cfg["extra"]["dev_events"] > 10 and cfg["extra"]["training_only_events"] > 10
    oof = cfg["extra"]["oof_factuality_accuracy"]
    assert all(0 <= v <= 1 for v in oof.values()) and oof["chosen"] >= oof["rules"]
    head = EventHead.load(str(folder))
    assert head.factuality_head is not None and head.factuality_head.config.members == 1
