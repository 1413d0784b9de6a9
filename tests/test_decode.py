"""pipeline.stages.decode: hand-built frames over real sentences with article offsets."""
import datetime as dt
import re

import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.nlp.events.frames import decode_sentence, event_id, lemmatize
from pipeline.stages.decode import DecodeEvents
from pipeline.records import Article, ArticleDoc, Sentence
from pipeline.stages.resolve import resolve_event_date
from pipeline.stages.rows import event_row
from pipeline.tagger.predictor import Argument, Entity, PredFrame, SentenceFrames
from tests.tables import rows_to_table
from schemas.events import SCHEMA as EVENTS_SCHEMA

MODEL = "tagger@test"
PUB = dt.date(2024, 6, 20)

# "won't" -> wo + n't, "can't" -> ca + n't, "They'll" -> They + 'll, "." apart.
_TOKEN_RE = re.compile(r"\w+(?=n't)|n't|'\w+|\w+|[^\w\s]")


def make_sentence(article_id, text, index, start, end):
    """A Sentence for ``text[start:end]`` with word offsets into the article text."""
    sub = text[start:end]
    ms = list(_TOKEN_RE.finditer(sub))
    return Sentence(
        article_id=article_id, sentence_index=index, start=start, end=end, text=sub,
        words=tuple(m.group() for m in ms),
        word_starts=tuple(start + m.start() for m in ms),
        word_ends=tuple(start + m.end() for m in ms))


def sentences_of(article_id, text):
    """Split an article on sentence-final punctuation; keep article offsets."""
    out = []
    for i, m in enumerate(re.finditer(r"[^.!?]+[.!?]", text)):
        s = m.start() + (len(m.group()) - len(m.group().lstrip()))
        out.append(make_sentence(article_id, text, i, s, m.end()))
    return out


def word_span(sent, phrase):
    """(first, last) word indices of ``phrase`` (a run of words) in the sentence."""
    target = tuple(_TOKEN_RE.findall(phrase))
    n = len(target)
    for i in range(len(sent.words) - n + 1):
        if sent.words[i:i + n] == target:
            return i, i + n - 1
    raise AssertionError(f"{phrase!r} not in {sent.words}")


def arg(sent, label, phrase, function=None, score=0.9):
    s, e = word_span(sent, phrase)
    return Argument(label, s, e, score, function)


def frame(sent, verb, args, v_words=None, score=0.95):
    i = sent.words.index(verb)
    return PredFrame(pred_idx=i, score=score, v_words=v_words or (i,), arguments=tuple(args))


def assert_offsets(row, text):
    """Every *_start/*_end pair slices the article text to its field's value."""
    assert text[row.action_start:row.action_end] == row.action
    for f in ("who", "target", "object", "location"):
        if getattr(row, f) is None:
            assert getattr(row, f + "_start") is None and getattr(row, f + "_end") is None
        else:
            assert text[getattr(row, f + "_start"):getattr(row, f + "_end")] == getattr(row, f), f
    for r in row.roles:
        assert text[r.start:r.end] == r.text
    sent_start = row.action_start - row.sentence.find(row.action)
    assert text[sent_start:sent_start + len(row.sentence)] == row.sentence


def text_of(text, start, end):
    return text[start:end]


def assert_schema_ok(events):
    rows = [event_row(resolve_event_date(e, PUB)) for e in events]
    table = rows_to_table(rows, EVENTS_SCHEMA, "events")
    assert table.num_rows == len(events)


# --------------------------------------------------------------------- fixtures

WARN_TEXT = ("Pyongyang said on Thursday that talks had stalled. "
             "He also warned South Korea against any arms supplies to Ukraine.")
REQ_TEXT = ("The Kremlin spoke on Wednesday. "
            "Russia had not requested direct military involvement from North Korea.")


@pytest.fixture(scope="module")
def warn():
    sents = sentences_of("a1", WARN_TEXT)
    sent = sents[1]
    assert sent.start > 0 and WARN_TEXT[sent.start:sent.end] == sent.text
    fr = frame(sent, "warned", [
        arg(sent, "ARG0", "He", "PAG"),
        arg(sent, "ARGM-OTHER", "also"),
        arg(sent, "ARG2", "South Korea", "GOL", 0.8),
        arg(sent, "ARG1", "against any arms supplies to Ukraine", "PPT", 0.7),
    ])
    return sent, SentenceFrames(frames=(fr,), entities=(Entity("LOC", *word_span(sent, "South Korea")),))


# --------------------------------------------------------------------- tests


def test_helper_offsets_are_article_offsets():
    sents = sentences_of("a1", WARN_TEXT)
    assert len(sents) == 2
    for s in sents:
        assert WARN_TEXT[s.start:s.end] == s.text
        for w, a, b in zip(s.words, s.word_starts, s.word_ends):
            assert WARN_TEXT[a:b] == w
    assert sents[1].words[-1] == "."


def test_warned_who_target_object(warn):
    sent, frames = warn
    rows = decode_sentence(sent, frames, MODEL)
    assert len(rows) == 1
    row = rows[0]
    assert row.article_id == "a1" and row.sentence_index == 1
    assert row.sentence == sent.text
    assert row.action == "warned"
    assert row.action_lemma == "warn"
    assert row.who == "He"
    assert row.target == "South Korea"
    assert row.object == "any arms supplies to Ukraine"
    assert row.negated is False
    assert row.modality is None
    assert row.location is None
    assert row.date_text is None
    assert row.date_candidates == ()
    assert row.tense == "past"
    assert row.model == MODEL
    # roles keep the full spans, in sentence order
    assert [(r.label, r.function, r.text) for r in row.roles] == [
        ("ARG0", "PAG", "He"),
        ("ARGM-OTHER", None, "also"),
        ("ARG2", "GOL", "South Korea"),
        ("ARG1", "PPT", "against any arms supplies to Ukraine"),
    ]
    assert row.roles[2].score == pytest.approx(0.8)
    assert row.confidence == pytest.approx(0.95 * (0.9 + 0.9 + 0.8 + 0.7) / 4)
    # offsets are article offsets (the sentence starts mid-article)
    assert row.who_start == WARN_TEXT.index("He also")
    assert row.object_start == WARN_TEXT.index("any arms")
    assert_offsets(row, WARN_TEXT)
    assert_schema_ok(rows)


def test_event_id_deterministic(warn):
    sent, frames = warn
    r1 = decode_sentence(sent, frames, MODEL)[0]
    r2 = decode_sentence(sent, frames, MODEL)[0]
    assert r1.event_id == r2.event_id
    assert r1.event_id == event_id("a1", 1, r1.action_start)
    assert event_id("a1", 1, 10) == event_id("a1", 1, 10)
    assert event_id("a1", 1, 10) != event_id("a1", 1, 11)
    assert event_id("a1", 1, 10) != event_id("a1", 2, 10)
    assert event_id("a1", 1, 10) != event_id("a2", 1, 10)
    assert len(r1.event_id) == 16
    # another predicate in the same sentence gets another id
    fr = frame(sent, "supplies", [arg(sent, "ARG1", "arms", "PPT")])
    other = decode_sentence(sent, SentenceFrames((fr,)), MODEL)[0]
    assert other.action_start != r1.action_start
    assert other.event_id != r1.event_id


def requested_frame():
    """"Russia had not requested direct military involvement from North Korea."
    with its gold frame: (sentence, frame)."""
    sent = sentences_of("a2", REQ_TEXT)[1]
    return sent, frame(sent, "requested", [
        arg(sent, "ARG0", "Russia", "PAG"),
        arg(sent, "ARGM-NEG", "not"),
        arg(sent, "ARG1", "direct military involvement", "PPT"),
        arg(sent, "ARG2", "from North Korea", "GOL"),
    ])


def test_negated_from_north_korea():
    sent, fr = requested_frame()
    rows = decode_sentence(sent, SentenceFrames((fr,)), MODEL)
    assert len(rows) == 1
    row = rows[0]
    assert row.negated is True
    assert row.who == "Russia"
    assert row.target == "North Korea"
    assert row.object == "direct military involvement"
    assert row.action == "requested"
    assert row.action_lemma == "request"
    assert [r.text for r in row.roles][-1] == "from North Korea"
    assert_offsets(row, REQ_TEXT)
    assert_schema_ok(rows)


def test_head_features_from_the_taggers_vectors():
    """With word vectors from the tagger, a row carries the event head's input:
    the mean vectors of its predicate, who, target+object (the leading "from"
    dropped) and sentence, then its flags."""
    import numpy as np

    from pipeline.stages.classify import attach_classes
    from pipeline.nlp.events.head import MODAL_CLASSES
    from pipeline.nlp.events.factuality import VALUES

    sent, fr = requested_frame()
    n = len(sent.words)
    one_hot = np.eye(n, dtype=np.float16)  # word k's vector is e_k: the mean names the words
    row = decode_sentence(sent, SentenceFrames((fr,), word_vectors=one_hot), MODEL)[0]
    f = row.head_features.astype(np.float32)
    pred, who, tgt, whole, flags = f[:n], f[n:2 * n], f[2 * n:3 * n], f[3 * n:4 * n], f[4 * n:]
    words = lambda v: [sent.words[k] for k in np.flatnonzero(v)]  # noqa: E731
    assert words(pred) == ["requested"] and words(who) == ["Russia"]
    assert words(tgt) == ["direct", "military", "involvement", "North", "Korea"]
    assert np.allclose(whole, 1 / n, atol=1e-3)
    assert row.factuality == "negated"
    fact = flags[4 + len(MODAL_CLASSES):]
    assert list(flags[:4]) == [1, 1, 1, 0] and VALUES[int(np.argmax(fact))] == "negated"
    # the factuality head's input: the sentence's vectors (the frames' own array,
    # not a copy) and the predicate's words
    vectors, pred_words = row.head_context
    assert vectors is one_hot and [sent.words[k] for k in pred_words] == ["requested"]
    # the classify stage takes them out again and fills the columns: the rows fit the schema
    from apache_beam.ml.inference.base import PredictionResult

    doc = ArticleDoc(Article("a2", "in/a2.txt", "", PUB), events=(row,))
    done = attach_classes(PredictionResult(doc, [(True, 0.9, "REQUEST", 0.8, None)]))
    ev = done.events[0]
    assert ev.head_features is None and ev.head_context is None
    assert (ev.is_event, ev.event_type) == (True, "REQUEST")
    assert ev.coded is False  # negated: it did not happen
    # where the head's factuality is used (event_head.json), it replaces the rules'
    again = attach_classes(PredictionResult(doc, [(True, 0.9, "REQUEST", 0.8, "asserted")]))
    assert again.events[0].factuality == "asserted" and again.events[0].coded is True
    assert_schema_ok(list(done.events))
    failed = attach_classes(PredictionResult(doc, ValueError("boom")))
    assert failed.events[0].head_features is None and failed.dead[0].stage == "classify"
    assert failed.events[0].head_context is None
    assert failed.events[0].coded is False
    # without vectors (the tagger run without a context layer) no features
    plain = decode_sentence(sent, SentenceFrames((fr,)), MODEL)[0]
    assert plain.head_features is None and plain.head_context is None


@pytest.mark.parametrize("text, verb, mod, expected, tense", [
    ("Seoul would send shells to Kyiv.", "send", "would", "would", "future"),  # reported future
    ("Seoul'll send shells to Kyiv.", "send", "'ll", "will", "future"),
    ("Seoul won't send shells to Kyiv.", "send", "wo", "will", "future"),
    ("Seoul can't send shells to Kyiv.", "send", "ca", "can", "past"),
    ("Seoul will send shells to Kyiv.", "send", "will", "will", "future"),
    ("Seoul Will send shells to Kyiv.", "send", "Will", "will", "future"),
])
def test_modality(text, verb, mod, expected, tense):
    article = "Officials spoke. " + text
    sent = sentences_of("m", article)[1]
    args = [arg(sent, "ARG0", "Seoul", "PAG"), arg(sent, "ARGM-MOD", mod),
            arg(sent, "ARG1", "shells", "PPT"), arg(sent, "ARG2", "to Kyiv", "GOL")]
    if "n't" in sent.words:
        args.append(arg(sent, "ARGM-NEG", "n't"))
    rows = decode_sentence(sent, SentenceFrames((frame(sent, verb, args),)), MODEL)
    row = rows[0]
    assert row.modality == expected
    assert row.tense == tense
    assert row.negated is ("n't" in sent.words)
    assert row.target == "Kyiv"
    assert_offsets(row, article)
    assert_schema_ok(rows)


def test_phrasal_verb():
    article = "Talks stalled. They ruled out talks."
    sent = sentences_of("p", article)[1]
    assert sent.words[1:3] == ("ruled", "out")
    fr = PredFrame(pred_idx=1, score=0.9, v_words=(1, 2), arguments=(
        arg(sent, "ARG0", "They", "PAG"), Argument("ARG1", 3, 3, 0.8, "PPT")))
    rows = decode_sentence(sent, SentenceFrames((fr,)), MODEL)
    row = rows[0]
    assert row.action == "ruled out"
    assert row.action_lemma == "rule out"
    assert row.target == "talks" and row.object is None
    assert_offsets(row, article)
    assert_schema_ok(rows)


def test_lemmatize():
    assert lemmatize("warned") == "warn"
    assert lemmatize("Ruled", ["Out"]) == "rule out"
    assert lemmatize("requested") == "request"


def test_no_arguments_no_event():
    article = "Nothing. He warned."
    sent = sentences_of("n", article)[1]
    fr = frame(sent, "warned", [])
    assert decode_sentence(sent, SentenceFrames((fr,)), MODEL) == []
    assert decode_sentence(sent, SentenceFrames(()), MODEL) == []


def test_only_tmp():
    article = "Intro. It rained on Wednesday in Seoul."
    sent = sentences_of("t", article)[1]
    fr = frame(sent, "rained", [arg(sent, "ARGM-TMP", "on Wednesday")])
    rows = decode_sentence(sent, SentenceFrames((fr,)), MODEL)
    assert len(rows) == 1
    row = rows[0]
    assert row.who is None and row.target is None and row.object is None
    assert row.date_text == "on Wednesday"
    assert row.date_candidates == ("on Wednesday",)
    assert row.date is None and row.date_source == "none"
    assert_offsets(row, article)
    assert_schema_ok(rows)
    assert resolve_event_date(row, PUB).date == dt.date(2024, 6, 19)


def test_location_and_multiple_tmp():
    article = "Intro. Troops attacked the town in Donbas recently on Monday."
    sent = sentences_of("l", article)[1]
    fr = frame(sent, "attacked", [
        arg(sent, "ARG0", "Troops", "PAG"), arg(sent, "ARG1", "the town", "PPT"),
        arg(sent, "ARGM-LOC", "in Donbas"), arg(sent, "ARGM-TMP", "recently"),
        arg(sent, "ARGM-TMP", "on Monday")])
    row = decode_sentence(sent, SentenceFrames((fr,)), MODEL)[0]
    assert row.location == "in Donbas"
    assert text_of(article, row.location_start, row.location_end) == "in Donbas"
    # every TMP span, in order; date_text is the first
    assert row.date_candidates == ("recently", "on Monday")
    assert row.date_text == "recently"
    assert_offsets(row, article)
    assert_schema_ok([row])
    resolved = resolve_event_date(row, PUB)
    assert resolved.date == dt.date(2024, 6, 17)
    assert resolved.date_text == "on Monday" and resolved.date_source == "text"


def test_arg0_fallback_and_no_gol():
    article = "Intro. Russia bombed Kharkiv."
    sent = sentences_of("f", article)[1]
    fr = frame(sent, "bombed", [arg(sent, "ARG0", "Russia"),  # no function tag
                                arg(sent, "ARG1", "Kharkiv", "PPT")])
    row = decode_sentence(sent, SentenceFrames((fr,)), MODEL)[0]
    assert row.who == "Russia"
    assert row.target == "Kharkiv"
    assert row.object is None and row.object_start is None
    assert_offsets(row, article)
    assert_schema_ok([row])


def test_pag_preferred_over_arg0():
    article = "Intro. Kyiv was shelled by Russia."
    sent = sentences_of("g", article)[1]
    fr = frame(sent, "shelled", [arg(sent, "ARG1", "Kyiv", "PPT"),
                                 arg(sent, "ARG0", "by Russia", "PAG")])
    row = decode_sentence(sent, SentenceFrames((fr,)), MODEL)[0]
    assert row.who == "Russia"  # leading "by" dropped
    assert row.target == "Kyiv"
    assert_offsets(row, article)


def _doc(article_id, sentences, frames):
    return ArticleDoc(Article(article_id, f"in/{article_id}.txt", ""), tuple(sentences), tuple(frames))


def test_decode_events_transform(warn):
    sent, frames = warn
    sents2 = sentences_of("a2", REQ_TEXT)
    sent2 = sents2[1]
    fr2 = frame(sent2, "requested", [arg(sent2, "ARG0", "Russia", "PAG"),
                                     arg(sent2, "ARG1", "direct military involvement", "PPT")])
    empty = SentenceFrames((frame(sents2[0], "spoke", []),))  # a predicate without arguments
    expected = ([("a1", r) for r in decode_sentence(sent, frames, MODEL)]
                + [("a2", r) for r in decode_sentence(sent2, SentenceFrames((fr2,)), MODEL)])
    assert len(expected) == 2
    docs = [_doc("a1", [sent], [frames]),
            _doc("a2", sents2[:2], [empty, SentenceFrames((fr2,))])]
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create(docs) | DecodeEvents(MODEL)
        assert_that(out | beam.FlatMap(lambda d: [(d.article_id, r) for r in d.events]),
                    equal_to(expected))
        assert_that(out | "Dead" >> beam.FlatMap(lambda d: d.dead), equal_to([]),
                    label="no_dead_letters")


# --------------------------------------------------------------------- relative pronouns

def test_a_relative_pronoun_agent_is_its_antecedent():
    article = "Intro. Police arrested Salazar, who had fired at the crowd."
    sent = sentences_of("r", article)[1]
    arrested = frame(sent, "arrested", [arg(sent, "ARG0", "Police", "PAG"),
                                        arg(sent, "ARG1", "Salazar, who had fired at the crowd",
                                            "PPT")])
    fired = frame(sent, "fired", [arg(sent, "ARG0", "who", "PAG"),
                                  arg(sent, "ARG1", "at the crowd", "PPT")])
    rows = {r.action: r for r in decode_sentence(sent, SentenceFrames((arrested, fired)), MODEL)}
    assert rows["fired"].who == "Salazar"  # the comma dropped
    assert [r.text for r in rows["fired"].roles if r.label == "ARG0"] == ["who"]  # as tagged
    assert rows["arrested"].target == "Salazar, who had fired at the crowd"
    for r in rows.values():
        assert_offsets(r, article)


def test_a_relative_pronoun_target_is_its_antecedent():
    article = "Intro. Ukraine shot down the missiles that Russia fired."
    sent = sentences_of("s", article)[1]
    shot = frame(sent, "shot", [arg(sent, "ARG0", "Ukraine", "PAG"),
                                arg(sent, "ARG1", "the missiles that Russia fired", "PPT")],
                 v_words=word_span(sent, "shot down"))
    fired = frame(sent, "fired", [arg(sent, "ARG0", "Russia", "PAG"),
                                  arg(sent, "ARG1", "that", "PPT")])
    row = [r for r in decode_sentence(sent, SentenceFrames((shot, fired)), MODEL)
           if r.action == "fired"][0]
    assert (row.who, row.target) == ("Russia", "the missiles")
    assert_offsets(row, article)


def test_a_question_word_stays_and_a_lone_pronoun_stays():
    article = "Intro. Nobody knows who attacked the convoy. Who attacked the convoy?"
    s1, s2 = sentences_of("q", article)[1:]
    knows = frame(s1, "knows", [arg(s1, "ARG0", "Nobody", "PAG"),
                                arg(s1, "ARG1", "who attacked the convoy", "PPT")])
    attacked = frame(s1, "attacked", [arg(s1, "ARG0", "who", "PAG"),
                                      arg(s1, "ARG1", "the convoy", "PPT")])
    row = [r for r in decode_sentence(s1, SentenceFrames((knows, attacked)), MODEL)
           if r.action == "attacked"][0]
    assert row.who == "who"  # the argument holding it starts at the pronoun: a question
    alone = frame(s2, "attacked", [arg(s2, "ARG0", "Who", "PAG"),
                                   arg(s2, "ARG1", "the convoy", "PPT")])
    assert decode_sentence(s2, SentenceFrames((alone,)), MODEL)[0].who == "Who"


def test_the_real_tagger_gives_the_antecedent(predictor):
    from pipeline.nlp.windows import predict_all
    from pipeline.records import Article
    from pipeline.stages.segment import segment_article

    doc = segment_article(Article("t", "t.txt", "Police arrested Salazar, who had fired at the "
                                  "crowd, and the men that stormed the building."))
    frames = predict_all(predictor.predict, [s.words for s in doc.sentences])
    rows = {r.action: r for r in decode_sentence(doc.sentences[0], frames[0], MODEL)}
    assert rows["fired"].who == "Salazar"
    assert rows["stormed"].who == "the men"


def test_an_argument_just_before_the_pronoun_is_its_antecedent_and_a_clause_is_none():
    article = ("Intro. Then we will make an appropriate decision, which is unlikely to please "
               "Seoul, the president said after the long and difficult talks with the rebels "
               "in the north of the country, which ended late.")
    sent = sentences_of("d", article)[1]
    make = frame(sent, "make", [arg(sent, "ARG0", "we", "PAG"),
                                arg(sent, "ARG1", "an appropriate decision", "PPT")])
    said = frame(sent, "said", [arg(sent, "ARG0", "the president", "PAG"),
                                arg(sent, "ARG1", "Then we will make an appropriate decision, "
                                    "which is unlikely to please Seoul", "PPT"),
                                arg(sent, "ARGM-TMP", "after the long and difficult talks with "
                                    "the rebels in the north of the country, which ended late")])
    is_ = frame(sent, "is", [arg(sent, "ARG1", "which", "PPT"),
                             arg(sent, "ARG2", "unlikely to please Seoul")])
    last_which = len(sent.words) - 1 - sent.words[::-1].index("which")
    ended = frame(sent, "ended", [Argument("ARG1", last_which, last_which, 0.9, "PPT"),
                                  arg(sent, "ARGM-TMP", "late")])
    rows = {r.action: r for r in decode_sentence(sent, SentenceFrames((make, said, is_, ended)),
                                                 MODEL)}
    assert rows["is"].target == "an appropriate decision"  # make's ARG1, not said's
    # the only argument holding "which ended" gives a 15-word antecedent: a clause, kept as is
    assert rows["ended"].target == "which"
    assert article[rows["is"].target_start:rows["is"].target_end] == "an appropriate decision"


def test_an_antecedent_drops_its_leading_preposition():
    article = "Intro. Russia sent missiles to Ukraine, which had asked for none."
    sent = sentences_of("p", article)[1]
    sent_fr = frame(sent, "sent", [arg(sent, "ARG0", "Russia", "PAG"),
                                   arg(sent, "ARG1", "missiles", "PPT"),
                                   arg(sent, "ARG2", "to Ukraine", "GOL")])
    asked = frame(sent, "asked", [arg(sent, "ARG0", "which", "PAG"),
                                  arg(sent, "ARG1", "for none", "PPT")])
    row = [r for r in decode_sentence(sent, SentenceFrames((sent_fr, asked)), MODEL)
           if r.action == "asked"][0]
    assert row.who == "Ukraine"
    assert_offsets(row, article)
