"""Tests for pipeline.tagger.data / labels: the readers of the tagger's training corpora.

The Universal Propositions sentences below are written by hand (CoNLL-U Plus: 10 UD
columns, column 11 the roleset, then one column per word that has a roleset, in
sentence order) and their expected spans checked by hand against the rule of
``head_span``. The last tests read the real corpora in ``../shared/data`` and are
skipped when that folder is absent.
"""
from __future__ import annotations

import os

import pytest

from pipeline.tagger.data import (
    HELD_OUT_GENRE,
    MASC,
    UP_DEV,
    UP_TEST,
    fold_bio,
    head_span,
    load_heldout,
    load_roles,
    load_training,
    read_up,
    spans,
)
from pipeline.tagger.labels import fold_role

DATA_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
NEEDS_DATA = pytest.mark.skipif(
    not os.path.isdir(DATA_DIR),
    reason=f"shared corpora not found at {os.path.abspath(DATA_DIR)}",
)


# --------------------------------------------------------------------------- helpers


def row(idx, form, upos, head, deprel, roleset="_", *preds):
    """One CoNLL-U Plus word line: 10 UD columns, the roleset, one column per predicate."""
    deps = f"{head}:{deprel}" if head != "_" else "_"
    cols = [str(idx), form, form.lower(), upos, "_", "_", str(head), deprel, deps, "_",
            roleset, *preds]
    return "\t".join(cols)


def sentence(sent_id, *lines, comments=()):
    return "\n".join([*comments, f"# sent_id = {sent_id}", *lines]) + "\n\n"


def by_id(examples):
    return {ex.sent_id: ex for ex in examples}


def span_words(ex, frame):
    """[(label, "words of the span")] of one frame."""
    return [(lab, " ".join(ex.words[s:e + 1])) for lab, s, e in spans(frame.tags)]


ROLES = {
    "nominate.01": {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "PRD"},
    "meet.01": {"ARG0": "PAG", "ARG1": "PPT"},
    "leave.01": {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "GOL"},
    "attack.01": {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "PRD"},
    "rule_out.02": {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "DIR"},
    "stop.01": {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "MNR"},
}

# (a) a simple transitive.
S_NOMINATE = sentence(
    "nominate",
    row(1, "President", "PROPN", 5, "nsubj", "_", "ARG0"),
    row(2, "Bush", "PROPN", 1, "flat", "_", "_"),
    row(3, "on", "ADP", 4, "case", "_", "_"),
    row(4, "Tuesday", "PROPN", 5, "obl", "_", "ARGM-TMP"),
    row(5, "nominated", "VERB", 0, "root", "nominate.01", "V"),
    row(6, "two", "NUM", 7, "nummod", "_", "_"),
    row(7, "individuals", "NOUN", 5, "obj", "_", "ARG1"),
    row(8, ".", "PUNCT", 5, "punct", "_", "_"),
    comments=("# newdoc id = doc-A",),
)

# An appositive: the ARG0 head's subtree ends with a comma, which must be trimmed.
S_APPOS = sentence(
    "appos",
    row(1, "Bush", "PROPN", 6, "nsubj", "_", "ARG0"),
    row(2, ",", "PUNCT", 4, "punct", "_", "_"),
    row(3, "the", "DET", 4, "det", "_", "_"),
    row(4, "president", "NOUN", 1, "appos", "_", "_"),
    row(5, ",", "PUNCT", 4, "punct", "_", "_"),
    row(6, "nominated", "VERB", 0, "root", "nominate.01", "V"),
    row(7, "Roberts", "PROPN", 6, "obj", "_", "ARG1"),
    row(8, ".", "PUNCT", 6, "punct", "_", "_"),
)

# (b) a relative clause: "man" is ARG0 of "left" and dominates it; "who" is R-ARG0.
#      0 I  1 met  2 the  3 man  4 who  5 left  6 .
S_RELCL = sentence(
    "relcl",
    row(1, "I", "PRON", 2, "nsubj", "_", "ARG0", "_"),
    row(2, "met", "VERB", 0, "root", "meet.01", "V", "_"),
    row(3, "the", "DET", 4, "det", "_", "_", "_"),
    row(4, "man", "NOUN", 2, "obj", "_", "ARG1", "ARG0"),
    row(5, "who", "PRON", 6, "nsubj", "_", "_", "R-ARG0"),
    row(6, "left", "VERB", 4, "acl:relcl", "leave.01", "_", "V"),
    row(7, ".", "PUNCT", 2, "punct", "_", "_", "_"),
)
RELCL_PARENTS = [1, -1, 3, 1, 5, 3, 1]
RELCL_UPOS = ["PRON", "VERB", "DET", "NOUN", "PRON", "VERB", "PUNCT"]

# (c) auxiliaries: "has" (aux) and "been" (aux:pass) carry rolesets and columns.
S_AUX = sentence(
    "aux",
    row(1, "The", "DET", 2, "det", "_", "_", "_", "_"),
    row(2, "city", "NOUN", 5, "nsubj:pass", "_", "_", "_", "ARG1"),
    row(3, "has", "AUX", 5, "aux", "have.01", "V", "_", "_"),
    row(4, "been", "AUX", 5, "aux:pass", "be.03", "_", "V", "_"),
    row(5, "attacked", "VERB", 0, "root", "attack.01", "_", "_", "V"),
    row(6, ".", "PUNCT", 5, "punct", "_", "_", "_", "_"),
)

# (c') a copula with a roleset: no event at all.
S_COP = sentence(
    "cop",
    row(1, "The", "DET", 2, "det", "_", "_"),
    row(2, "city", "NOUN", 4, "nsubj", "_", "ARG1"),
    row(3, "is", "AUX", 4, "cop", "be.01", "V"),
    row(4, "calm", "ADJ", 0, "root", "_", "ARG2"),
    row(5, ".", "PUNCT", 4, "punct", "_", "_"),
)

# (d) phrasal verbs: the compound:prt particle joins the V span.
S_PRT = sentence(
    "prt",
    row(1, "They", "PRON", 2, "nsubj", "_", "ARG0"),
    row(2, "ruled", "VERB", 0, "root", "rule_out.02", "V"),
    row(3, "out", "ADP", 2, "compound:prt", "_", "_"),
    row(4, "talks", "NOUN", 2, "obj", "_", "ARG1"),
    row(5, ".", "PUNCT", 2, "punct", "_", "_"),
)
S_PRT_SPLIT = sentence(
    "prt-split",
    row(1, "They", "PRON", 2, "nsubj", "_", "ARG0"),
    row(2, "ruled", "VERB", 0, "root", "rule_out.02", "V"),
    row(3, "it", "PRON", 2, "obj", "_", "ARG1"),
    row(4, "out", "ADP", 2, "compound:prt", "_", "_"),
    row(5, ".", "PUNCT", 2, "punct", "_", "_"),
)

# (e) not annotated: skipped, even though it has a roleset and a column.
S_NO_UP = sentence(
    "no-up",
    row(1, "They", "PRON", 2, "nsubj", "_", "ARG0"),
    row(2, "left", "VERB", 0, "root", "leave.01", "V"),
    row(3, ".", "PUNCT", 2, "punct", "_", "_"),
    comments=("# propbank = no-up",),
)

# (f) a multiword-token range line and an empty node (as UP writes them: empty
#     roleset and predicate columns) are not words.
S_MWT = sentence(
    "mwt",
    row(1, "They", "PRON", 4, "nsubj", "_", "ARG0"),
    "\t".join(["2-3", "won't"] + ["_"] * 8),
    row(2, "wo", "AUX", 4, "aux", "_", "_"),
    row(3, "n't", "PART", 4, "advmod", "_", "ARGM-NEG"),
    row(4, "stop", "VERB", 0, "root", "stop.01", "V"),
    row(5, "it", "PRON", 4, "obj", "_", "ARG1"),
    "\t".join(["5.1", "stop", "stop", "VERB", "VB", "_", "_", "_", "4:conj", "CopyOf=4", "", ""]),
    row(6, ".", "PUNCT", 4, "punct", "_", "_"),
)

# A sentence without predicates: UP leaves one empty trailing column.
S_NONE = sentence(
    "none",
    "\t".join(["1", "***", "***", "PUNCT", "_", "_", "0", "root", "0:root", "_", "_", ""]),
)


@pytest.fixture
def up(tmp_path):
    path = tmp_path / "hand.conllu"
    path.write_text(
        S_NOMINATE + S_APPOS + S_RELCL + S_AUX + S_COP + S_PRT + S_PRT_SPLIT + S_NO_UP
        + S_MWT + S_NONE,
        encoding="utf-8",
    )
    return by_id(read_up(str(path), ROLES))


# --------------------------------------------------------------------------- Universal Propositions


def test_read_up_sentences_and_skips(up):
    assert list(up) == ["nominate", "appos", "relcl", "aux", "cop", "prt", "prt-split",
                        "mwt", "none"]  # (e) "no-up" is gone
    assert all(ex.source == "ewt" and ex.doc == "doc-A" for ex in up.values())
    assert up["none"].words == ["***"]
    assert up["none"].frames == []
    assert up["none"].pred_labels == [0]


def test_simple_transitive(up):
    ex = up["nominate"]
    assert ex.words == ["President", "Bush", "on", "Tuesday", "nominated", "two",
                        "individuals", "."]
    assert ex.parents == [4, 0, 3, 4, -1, 6, 4, 4]
    assert ex.pred_labels == [0, 0, 0, 0, 1, 0, 0, 0]
    [fr] = ex.frames
    assert (fr.pred_idx, fr.roleset) == (4, "nominate.01")
    assert fr.heads == [("ARG0", 0), ("ARGM-TMP", 3), ("ARG1", 6)]
    assert fr.tags == ["B-ARG0", "I-ARG0", "B-ARGM-TMP", "I-ARGM-TMP", "B-V",
                       "B-ARG1", "I-ARG1", "O"]
    assert span_words(ex, fr) == [("ARG0", "President Bush"), ("ARGM-TMP", "on Tuesday"),
                                  ("V", "nominated"), ("ARG1", "two individuals")]
    # functions: per word inside numbered args only; ARGM, V and O get None
    assert fr.functions == ["PAG", "PAG", None, None, None, "PPT", "PPT", None]


def test_head_span_direct_simple_transitive():
    parents = [4, 0, 3, 4, -1, 6, 4, 4]
    upos = ["PROPN", "PROPN", "ADP", "PROPN", "VERB", "NUM", "NOUN", "PUNCT"]
    heads = [0, 3, 6]
    assert head_span(0, 4, parents, upos, heads) == (0, 1)
    assert head_span(3, 4, parents, upos, heads) == (2, 3)
    assert head_span(6, 4, parents, upos, heads) == (5, 6)


def test_appositive_trailing_punctuation_trimmed(up):
    ex = up["appos"]
    [fr] = ex.frames
    assert fr.tags == ["B-ARG0", "I-ARG0", "I-ARG0", "I-ARG0", "O", "B-V", "B-ARG1", "O"]
    assert span_words(ex, fr)[0] == ("ARG0", "Bush , the president")
    assert fr.functions == ["PAG"] * 4 + [None, None, "PPT", None]


def test_head_span_trims_punctuation_at_both_edges_only():
    # '" Bush " left .'  -- the quotes hang off "Bush"
    parents = [1, 3, 1, -1, 3]
    upos = ["PUNCT", "PROPN", "PUNCT", "VERB", "PUNCT"]
    assert head_span(1, 3, parents, upos) == (1, 1)
    # 'Bush , the president , left'  -- inner comma kept, outer one trimmed
    parents = [5, 3, 3, 0, 3, -1]
    upos = ["PROPN", "PUNCT", "DET", "NOUN", "PUNCT", "VERB"]
    assert head_span(0, 5, parents, upos) == (0, 3)


def test_relative_clause(up):
    ex = up["relcl"]
    assert ex.pred_labels == [0, 1, 0, 0, 0, 1, 0]
    met, left = ex.frames
    # "met": ARG1 head "man" does not dominate "met": its whole subtree, relative clause included
    assert met.pred_idx == 1
    assert span_words(ex, met) == [("ARG0", "I"), ("V", "met"), ("ARG1", "the man who left")]
    assert met.functions == ["PAG", None, "PPT", "PPT", "PPT", "PPT", None]
    # "left": "man" dominates "left", so the predicate's subtree ("who left") is cut out;
    # "who" (R-ARG0 folded to ARG0) is a span of its own
    assert left.pred_idx == 5
    assert left.heads == [("ARG0", 3), ("ARG0", 4)]
    assert left.tags == ["O", "O", "B-ARG0", "I-ARG0", "B-ARG0", "B-V", "O"]
    assert span_words(ex, left) == [("ARG0", "the man"), ("ARG0", "who"), ("V", "left")]
    assert left.functions == [None, None, "PAG", "PAG", "PAG", None, None]


def test_head_span_relative_clause_direct():
    p, u = RELCL_PARENTS, RELCL_UPOS
    # head "man" dominates predicate "left": minus the predicate's subtree {who, left}
    assert head_span(3, 5, p, u, [3, 4]) == (2, 3)
    # no other heads given: the same, since "who" is inside the predicate's subtree
    assert head_span(3, 5, p, u) == (2, 3)
    assert head_span(4, 5, p, u, [3, 4]) == (4, 4)
    # for "met" the head "man" does not dominate the predicate: the full subtree
    assert head_span(3, 1, p, u, [0, 3]) == (2, 5)


def test_head_span_removes_other_argument_heads():
    # "gave the man who left a book": pretend "who" is another argument head of "gave"
    # 0 gave 1 the 2 man 3 who 4 left
    parents = [-1, 2, 0, 4, 2]
    upos = ["VERB", "DET", "NOUN", "PRON", "VERB"]
    assert head_span(2, 0, parents, upos) == (1, 4)
    # removing "who" breaks the run: only the contiguous part around the head survives
    assert head_span(2, 0, parents, upos, [2, 3]) == (1, 2)


def test_auxiliaries_are_not_events(up):
    ex = up["aux"]
    assert ex.pred_labels == [0, 0, 0, 0, 1, 0]
    [fr] = ex.frames  # no frame for have.01 / be.03
    assert (fr.pred_idx, fr.roleset) == (4, "attack.01")
    assert fr.tags == ["B-ARG1", "I-ARG1", "O", "O", "B-V", "O"]
    assert fr.functions == ["PPT", "PPT", None, None, None, None]


def test_copula_is_not_an_event(up):
    ex = up["cop"]
    assert ex.frames == []
    assert ex.pred_labels == [0, 0, 0, 0, 0]


def test_phrasal_verb_particle_joins_v(up):
    ex = up["prt"]
    [fr] = ex.frames
    assert fr.tags == ["B-ARG0", "B-V", "I-V", "B-ARG1", "O"]
    assert span_words(ex, fr) == [("ARG0", "They"), ("V", "ruled out"), ("ARG1", "talks")]
    assert ex.pred_labels == [0, 1, 0, 0, 0]  # the particle is not a predicate of its own
    assert fr.functions == ["PAG", None, None, "PPT", None]


def test_phrasal_verb_split_particle_is_its_own_v_span(up):
    ex = up["prt-split"]
    [fr] = ex.frames
    assert fr.tags == ["B-ARG0", "B-V", "B-ARG1", "B-V", "O"]
    assert span_words(ex, fr) == [("ARG0", "They"), ("V", "ruled"), ("ARG1", "it"),
                                  ("V", "out")]


def test_multiword_ranges_and_empty_nodes_ignored(up):
    ex = up["mwt"]
    assert ex.words == ["They", "wo", "n't", "stop", "it", "."]
    assert ex.parents == [3, 3, 3, -1, 3, 3]
    assert ex.upos == ["PRON", "AUX", "PART", "VERB", "PRON", "PUNCT"]
    assert ex.pred_labels == [0, 0, 0, 1, 0, 0]
    [fr] = ex.frames
    assert fr.tags == ["B-ARG0", "O", "B-ARGM-NEG", "B-V", "B-ARG1", "O"]
    assert fr.functions == ["PAG", None, None, None, "PPT", None]


def test_unknown_roleset_gives_no_functions(tmp_path):
    path = tmp_path / "x.conllu"
    path.write_text(S_NOMINATE, encoding="utf-8")
    [ex] = read_up(str(path), {})
    assert ex.frames[0].functions == [None] * 8
    assert ex.frames[0].tags[0] == "B-ARG0"


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("raw, folded", [
    ("R-ARG0", "ARG0"),
    ("C-ARG1", "ARG1"),
    ("ARG1-DSP", "ARG1"),
    ("ARGA", "ARG0"),
    ("ARG6", "ARG5"),
    ("ARGM-ADV", "ARGM-OTHER"),
    ("ARGM-TMP", "ARGM-TMP"),
    ("ARGM-LOC", "ARGM-LOC"),
    ("R-ARGM-LOC", "ARGM-LOC"),
    ("ARGM-PRR", "ARGM-OTHER"),
    ("ARGM-ADV(C-ARG1", "ARGM-OTHER"),
    ("C-V", "V"),
    ("V", "V"),
    ("argm-neg", "ARGM-NEG"),
    ("_", None),
    ("O", None),
    ("", None),
    ("rel", None),
])
def test_fold_role(raw, folded):
    assert fold_role(raw) == folded


def test_fold_bio_masc_sequence():
    words = ["The", "man", "who", "ruled", "out", "talks", "said", "so", "then", "."]
    raw = ["B-ARG0", "I-ARG0", "B-R-ARG0", "B-V", "I-V", "B-ARG1", "B-C-ARG1", "I-C-ARG1",
           "B-ARGM-PRR", "O"]
    folded = fold_bio(raw)
    assert folded == ["B-ARG0", "I-ARG0", "B-ARG0", "B-V", "I-V", "B-ARG1", "B-ARG1",
                      "I-ARG1", "B-ARGM-OTHER", "O"]
    assert spans(folded) == [("ARG0", 0, 1), ("ARG0", 2, 2), ("V", 3, 4), ("ARG1", 5, 5),
                             ("ARG1", 6, 7), ("ARGM-OTHER", 8, 8)]
    assert len(folded) == len(words)


def test_fold_bio_drops_non_roles_and_restarts_mismatched_i():
    assert fold_bio(["B-ARG1", "I-ARGM-TMP", "I-ARGM-TMP", "B-REL", "I-ARG1", "O"]) == \
        ["B-ARG1", "B-ARGM-TMP", "I-ARGM-TMP", "O", "B-ARG1", "O"]


def test_spans_stray_i_starts_a_span():
    assert spans(["I-ARG1", "I-ARG1", "O", "B-V", "I-ARG0"]) == \
        [("ARG1", 0, 1), ("V", 3, 3), ("ARG0", 4, 4)]
    assert spans([]) == []


# --------------------------------------------------------------------------- real corpora


@NEEDS_DATA
def test_load_roles_real_frames():
    roles = load_roles(os.path.join(DATA_DIR, "propbank-frames", "roles.tsv"))
    assert roles["warn.01"]["ARG2"] == "GOL"
    assert roles["warn.01"]["ARG1"] == "PPT"
    assert roles["give.01"]["ARG2"] == "GOL"
    assert roles["attack.01"]["ARG1"] == "PPT"
    assert roles["request.01"]["ARG0"] == "PAG"
    assert roles["nominate.01"] == {"ARG0": "PAG", "ARG1": "PPT", "ARG2": "PRD"}
    assert len(roles) > 9000


@pytest.fixture(scope="module")
def corpora():
    if not os.path.isdir(DATA_DIR):
        pytest.skip(f"shared corpora not found at {os.path.abspath(DATA_DIR)}")
    train, dev = load_training(DATA_DIR)
    ewt_test, news = load_heldout(DATA_DIR)
    return train, dev, ewt_test, news


def _sent_ids(path):
    with open(path, encoding="utf-8") as f:
        return {line.split("=", 1)[1].strip() for line in f if line.startswith("# sent_id")}


def test_heldout_masc_newspaper(corpora):
    train, dev, _, news = corpora
    assert news, "no held-out newspaper sentences"
    assert all(ex.source == "masc" and ex.genre == HELD_OUT_GENRE for ex in news)
    assert not [ex.sent_id for ex in train + dev
                if ex.source == "masc" and ex.genre == HELD_OUT_GENRE]
    train_docs = {ex.doc for ex in train + dev if ex.source == "masc"}
    assert train_docs and not train_docs & {ex.doc for ex in news}
    # MASC itself is read (other genres)
    assert any(ex.source == "masc" for ex in train)


def test_heldout_ewt_test(corpora):
    train, dev, ewt_test, _ = corpora
    test_ids = _sent_ids(os.path.join(DATA_DIR, UP_TEST))
    dev_ids = _sent_ids(os.path.join(DATA_DIR, UP_DEV))
    assert test_ids and not test_ids & dev_ids
    ewt_train = {ex.sent_id for ex in train + dev if ex.source == "ewt"}
    assert ewt_train and ewt_train <= dev_ids
    assert not ewt_train & test_ids
    assert {ex.sent_id for ex in ewt_test} <= test_ids
    assert all(ex.pred_labels is not None for ex in ewt_test)


def test_train_dev_split_by_document(corpora):
    train, dev, _, _ = corpora
    assert dev and len(train) > 10 * len(dev)
    key = lambda ex: (ex.source, ex.doc)  # noqa: E731
    assert not {key(ex) for ex in train} & {key(ex) for ex in dev}
    assert {ex.source for ex in train} == {"ewt", "masc", "frames"}
    # only Universal Propositions knows which words are not predicates
    assert all(ex.pred_labels is None for ex in train + dev if ex.source != "ewt")


def test_real_up_sentence_spans(corpora):
    train, dev, _, _ = corpora
    [ex] = [e for e in train + dev if e.sent_id ==
            "weblog-blogspot.com_nominations_20041117172713_ENG_20041117_172713-0002"]
    nominate = next(fr for fr in ex.frames if fr.roleset == "nominate.01")
    got = [(lab, " ".join(ex.words[s:e + 1])) for lab, s, e in spans(nominate.tags)]
    assert got == [
        ("ARG0", "President Bush"), ("ARGM-TMP", "on Tuesday"), ("V", "nominated"),
        ("ARG1", "two individuals"),
        ("ARG2", "to replace retiring jurists on federal courts in the Washington area"),
    ]
    assert nominate.functions[:2] == ["PAG", "PAG"]
    assert nominate.functions[5:7] == ["PPT", "PPT"]
    assert nominate.functions[7] == "PRD"


def test_frame_examples_do_not_leak_heldout_sentences(corpora):
    train, dev, ewt_test, news = corpora
    held = {tuple(ex.words) for ex in ewt_test + news}
    leaked = [ex.sent_id for ex in train + dev if ex.source == "frames" and tuple(ex.words) in held]
    assert not leaked


@NEEDS_DATA
def test_up_train_split_prefix_is_read_with_the_same_span_rules():
    """``ewt-train``: the UP train-split prefix, same reader, no NER, and never a
    sentence of the dev or test files."""
    train, dev = load_training(DATA_DIR, sources=("ewt-train",))
    exs = train + dev
    assert len(exs) > 1000 and {ex.source for ex in exs} == {"ewt"}
    assert all(ex.ner is None and ex.pred_labels is not None for ex in exs)
    ids = {ex.sent_id for ex in exs}
    assert not ids & (_sent_ids(os.path.join(DATA_DIR, UP_DEV)) | _sent_ids(os.path.join(DATA_DIR, UP_TEST)))
    [ex] = [e for e in exs if e.sent_id ==
            "weblog-juancole.com_juancole_20051126063000_ENG_20051126_063000-0001"]
    kill = next(fr for fr in ex.frames if fr.roleset == "kill.01")
    got = [(lab, " ".join(ex.words[s:e + 1])) for lab, s, e in spans(kill.tags)]
    # head words "forces", "Shaikh", "mosque" grown to their UD subtrees (the
    # appositive stays inside ARG1), the sentence-final period trimmed
    assert got == [("ARG0", "American forces"), ("V", "killed"),
                   ("ARG1", "Shaikh Abdullah al - Ani , the preacher"),
                   ("ARGM-LOC", "at the mosque in the town of Qaim , near the Syrian border")]
    assert kill.functions[4:6] == ["PAG", "PAG"] and kill.functions[7] == "PPT"
