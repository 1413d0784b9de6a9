"""The classify stage with the real event head on the tagger's real features:
RunInference over batches of articles, failures kept as dead letters."""
import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.nlp.events.head import EventHead, EventHeadConfig, has_head, is_coded


@pytest.fixture(scope="module")
def events_of(model_dir):
    from bench.gold_offline import decoded_events
    from pipeline.tagger.predictor import Predictor

    pr = Predictor.from_folder(model_dir, context_layer=EventHeadConfig.load(model_dir).layer)
    return lambda text, aid="a": decoded_events({aid: text}, pr)


def _doc(article_id, events):
    from pipeline.records import Article, ArticleDoc

    return ArticleDoc(Article(article_id, f"in/{article_id}.txt", ""), events=tuple(events))


def test_the_packaged_model_carries_its_head(model_dir):
    assert has_head(model_dir)
    head = EventHead.load(model_dir)
    cfg = head.config
    assert 0 < cfg.event_threshold < 1 and cfg.temperature > 0
    assert cfg.types[-1] == "OTHER" and len(cfg.types) == 17


def test_classify_stage_codes_events_and_keeps_failures_unclassified(events_of, model_dir):
    import dataclasses

    from pipeline.runtime.handlers import EventHeadModelHandler
    from pipeline.stages.classify import ClassifyEvents

    good = events_of("Putin warned South Korea on Thursday. Police arrested 40 protesters in "
                     "Nairobi.")
    broken = [dataclasses.replace(good[0], head_features=None)]
    docs = [_doc("a", good), _doc("b", broken), _doc("c", [])]
    handler = EventHeadModelHandler(model_dir, num_threads=1, min_batch_size=3, max_batch_size=3)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create(docs) | ClassifyEvents(handler=handler)
        assert_that(out | beam.Map(lambda d: (
            d.article_id,
            [(e.action, e.event_type, e.coded) for e in d.events if e.is_event],
            [(x.stage, x.reason.split(",")[0]) for x in d.dead],
            [e.event_id for e in d.events if e.head_features is not None])),
            equal_to([("a", [("warned", "THREATEN", True), ("arrested", "COERCE", True)], [], []),
                      ("b", [], [("classify", "internal_error: ValueError: 1 event(s) without "
                                              "head features")], []),
                      ("c", [], [], [])]))


def test_coded_needs_an_event_a_type_an_agent_and_that_it_happened():
    assert is_coded(True, "ASSAULT", "asserted", "Police")
    assert not is_coded(False, "ASSAULT", "asserted", "Police")
    assert not is_coded(True, "OTHER", "asserted", "Police")
    assert not is_coded(True, "ASSAULT", "asserted", None)
    assert not is_coded(True, "ASSAULT", "negated", "Police")
    assert not is_coded(True, "ASSAULT", "hypothetical", "Police")
    assert not is_coded(True, "ASSAULT", "future", "Police")
    assert is_coded(True, "THREATEN", "future", "Russia")  # an announced act
    assert is_coded(True, "SANCTION", "future", "The EU")
    assert not is_coded(True, "AID", "denied", "Iran")


def test_trainer_writes_a_head_that_loads_and_classifies(tmp_path, model_dir, shared_data):
    """`make train-events` in miniature: 200 distant sentences plus the gold set's
    dev and training-only rows; the head lands beside the tagger, with the
    thresholds it chose out of fold on the dev articles."""
    import json
    import shutil

    import numpy as np

    from pipeline.tagger import train_event_head as event_head_train

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("tagger_config.json", "model.safetensors"):
        shutil.copy(f"{model_dir}/{name}", folder)
    assert event_head_train.main(["--model", str(folder), "--data-dir", shared_data,
                                  "--limit", "200", "--epochs", "2",
                                  "--work", str(tmp_path / "work")]) == 0
    cfg = json.load(open(folder / "event_head.json"))
    assert cfg["layer"] == 4 and cfg["factuality_source"] in ("head", "rules")
    assert cfg["extra"]["gold_dev_rows"] > 1000 and cfg["extra"]["gold_training_only_rows"] > 2000
    assert 0 <= cfg["extra"]["oof_coded_precision"] <= 1
    head = EventHead.load(str(folder))
    out = head.classify(np.zeros((2, head.config.n_features), np.float16))
    assert len(out) == 2 and all(t in head.config.types for _, _, t, _, _ in out)

    # --factuality-only: a new factuality sub-network, the event and type outputs kept
    from safetensors.numpy import load_file

    before = load_file(str(folder / "event_head.safetensors"))
    assert event_head_train.main(["--model", str(folder), "--data-dir", shared_data,
                                  "--limit", "200", "--epochs", "2", "--seed", "7", "--cache",
                                  "--work", str(tmp_path / "work"), "--factuality-only"]) == 0
    after = load_file(str(folder / "event_head.safetensors"))
    fact = {k for k in before if ".fact_" in k}
    assert fact and all(np.array_equal(before[k], after[k]) for k in set(before) - fact)
    assert not all(np.array_equal(before[k], after[k]) for k in fact)
    cfg2 = json.load(open(folder / "event_head.json"))
    assert cfg2["extra"]["oof_coded_precision"] == cfg["extra"]["oof_coded_precision"]
    assert cfg2["event_threshold"] == cfg["event_threshold"]
    assert cfg2["extra"]["factuality_retrained"]["seed"] == 7


def test_the_balanced_sets_read_a_row_with_negation_folded_into_its_type():
    from bench.event_types_eval import balanced_reading

    assert balanced_reading(True, "REJECT", True) == "THREATEN"   # "would not rule out"
    assert balanced_reading(True, "AGREE", True) == "REJECT"      # "will not accept"
    assert balanced_reading(True, "ASSAULT", True) == "OTHER"     # "did not attack"
    assert balanced_reading(True, "ASSAULT", False) == "ASSAULT"
    assert balanced_reading(False, "CONSULT", False) == "OTHER"   # not an event


def test_a_labelled_phrasal_verb_finds_the_row_of_its_verb(events_of):
    from bench.gold_offline import labelled_event

    events = events_of("The UN secretary-general called on both sides to protect civilians.")
    assert labelled_event(events, "called on").action == "called"
    assert labelled_event(events, "protect").action == "protect"
    assert labelled_event(events, "telephoned") is None
