"""Factuality from the tagger's own frames (pipeline.nlp.events.factuality), on real sentences
run through the real tagger and decode."""
import pytest

from pipeline.nlp.events.factuality import factualities


@pytest.fixture(scope="module")
def rows_of(predictor):
    from bench.gold_offline import decoded_rows

    def run(text):
        rows = decoded_rows({"t": text}, predictor)
        return {r["action"]: r["factuality"] for r in rows}

    return run


@pytest.mark.parametrize("text, action, expected", [
    ("Putin warned South Korea on Thursday.", "warned", "asserted"),
    ("Russia had not requested direct military involvement from North Korea.", "requested",
     "negated"),
    ("Iran denied sending missiles to the rebels.", "sending", "denied"),
    ("Iran denied sending missiles to the rebels.", "denied", "asserted"),
    ("Mr. Putin threatened to deliver weapons to third countries.", "deliver", "future"),
    ("Mr. Putin threatened to deliver weapons to third countries.", "threatened", "asserted"),
    ("The ministers will meet in Brussels next week.", "meet", "future"),
    ("Seoul could send shells to Kyiv.", "send", "hypothetical"),
    ("The UN called for an immediate ceasefire in Gaza.", "ceasefire", "hypothetical"),
    ("Putin did not rule out the possibility of sending weapons to North Korea.", "sending",
     "hypothetical"),
    ("The bloc would consider further steps if Moscow continued its strikes.", "continued",
     "hypothetical"),
    ("The guards refused to release the prisoners.", "release", "negated"),
    ("Did the army fire on the protesters?", "fire", "hypothetical"),
    # a negative quantifier as the agent or theme
    ("No one has offered weapons to us.", "offered", "negated"),
    ("No successor was named by the board.", "named", "negated"),
    # will/would in a sentence with an if-clause: the consequence of a condition
    ("If Seoul sends weapons, Moscow will respond with force.", "respond", "hypothetical"),
    # an infinitive after a word that does not make it happen, but not a purpose
    # clause after a name or a date, nor after an implicative verb
    ("Russia reserves the right to supply weapons to other countries.", "supply",
     "hypothetical"),
    ("Hundreds of traders rallied in Karachi on Thursday to protest against the bills.",
     "protest", "asserted"),
    ("The rebels managed to capture the airport.", "capture", "asserted"),
    ("The United States was forced to withdraw its ambassador.", "withdraw", "asserted"),
    # announce/agree/decide... put only an infinitive ahead
    ("The army announced that its troops had withdrawn from the town.", "withdrawn",
     "asserted"),
    ("The two sides agreed to withdraw their troops.", "withdraw", "future"),
    # what a negated governor reaches is its complement's head, not a relative clause
    ("The police did not release the names of the officers who fired the shots.", "fired",
     "asserted"),
    ("The police did not release the names of the officers who fired the shots.", "release",
     "negated"),
    ("The foreign ministers are to meet in Geneva next week.", "meet", "future"),
    # a negation or a future under "if" is a condition
    ("The union threatened more strikes if its demands are not met.", "met", "hypothetical"),
    ("The minister did not say whether the army would attack.", "attack", "hypothetical"),
    ("The gunman allegedly opened fire on the guards.", "opened", "hypothetical"),
    # an event nominal told as coming
    ("Police were deployed ahead of the protests in the capital.", "protests", "future"),
    ("Unions called off the planned strike at the port.", "strike", "future"),
    # a negated wish, plan or readiness of the agent's own act: not done
    ("Russia did not want to interfere in the elections.", "interfere", "negated"),
    ("The company's refusal to pay its taxes angered the government.", "pay", "negated"),
    # naming, not asking; claiming responsibility for what happened
    ("The UN called the attack on the convoy an act of genocide.", "attack", "asserted"),
    ("The group claimed responsibility for the bombings in the capital.", "bombings",
     "asserted"),
])
def test_factuality_of_real_sentences(rows_of, text, action, expected):
    got = rows_of(text)
    assert got.get(action) == expected, got


class _A:
    def __init__(self, label, start, end):
        self.label, self.start, self.end = label, start, end


class _F:
    def __init__(self, pred_idx, *args):
        self.pred_idx, self.arguments = pred_idx, args


def test_a_governor_that_did_not_happen_passes_it_on():
    # "He did not ask them to leave": leave is governed by a negated ask
    words = "He did not ask them to leave".split()
    frames = [_F(3, _A("ARG0", 0, 0), _A("ARGM-NEG", 2, 2), _A("ARG2", 4, 4), _A("ARG1", 5, 6)),
              _F(6, _A("ARG0", 4, 4))]
    assert factualities(words, frames, ["do", "ask", "leave"][1:], [None, None]) == [
        "negated", "hypothetical"]


def test_adjuncts_do_not_pass_the_governors_class():
    # "They threatened to strike in response to the attack": the attack happened
    words = "They threatened to strike in response to the attack".split()
    frames = [_F(1, _A("ARG0", 0, 0), _A("ARG1", 2, 3), _A("ARGM-OTHER", 4, 8)),
              _F(3, _A("ARG0", 0, 0)), _F(8, _A("ARGM-OTHER", 7, 7))]
    assert factualities(words, frames, ["threaten", "strike", "attack"], [None] * 3) == [
        "asserted", "future", "asserted"]


def test_the_rules_eval_scores_dev_and_training_parts_only(capsys):
    from bench.factuality_eval import main, report

    acc = report([("dev", "asserted", "asserted"), ("dev", "future", "asserted"),
                  ("train", "negated", "negated")])
    assert acc == {"dev": 0.5, "train": 1.0}
    assert "future -> asserted 1" in capsys.readouterr().out
    # the test part is bench.events_eval's: a one-line usage error, exit 2
    with pytest.raises(SystemExit) as e:
        main(["--parts", "test"])
    assert e.value.code == 2
    assert "python -m bench.events_eval" in capsys.readouterr().err
