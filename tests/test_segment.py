"""Tests for pipeline.stages.segment: real text, no mocks."""

from __future__ import annotations

import time
from pathlib import Path

import apache_beam as beam
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.records import Article, Sentence
from pipeline.nlp.sentences import MAX_WORDS, segment_text
from pipeline.stages.segment import SegmentArticles

SEED = Path(__file__).parent.parent / "seeds" / "000_5da39cb2ce26b979.txt"


def check_invariants(text: str, sentences: list[Sentence]) -> None:
    """Everything downstream relies on these."""
    previous_end = 0
    for index, s in enumerate(sentences):
        assert s.sentence_index == index
        assert s.words, s
        assert len(s.words) == len(s.word_starts) == len(s.word_ends)
        assert len(s.words) <= MAX_WORDS
        for word, start, end in zip(s.words, s.word_starts, s.word_ends):
            assert word and text[start:end] == word
            assert not word.isspace()
        assert list(s.word_starts) == sorted(s.word_starts)
        for end, next_start in zip(s.word_ends, s.word_starts[1:]):
            assert end <= next_start  # words never overlap
        assert s.start == s.word_starts[0] and s.end == s.word_ends[-1]
        assert s.text == text[s.start : s.end]
        assert s.start >= previous_end  # sentences in order, never overlapping
        previous_end = s.end
        assert "\n" not in s.text  # never across a paragraph/line break
        assert any(ch.isalnum() for ch in s.text)


def words_of(text: str) -> list[tuple[str, ...]]:
    return [s.words for s in segment_text("t", text)]


# ---------------------------------------------------------------- seed ----


def test_seed_article():
    text = SEED.read_text(encoding="utf-8")
    sentences = segment_text("seed", text)
    check_invariants(text, sentences)
    # 10 paragraphs holding 15 sentences; syntok keeps the "reporters. during"
    # quirk as one sentence (splitting it would give 16, also fine).
    assert 15 <= len(sentences) <= 16
    assert all(s.article_id == "seed" for s in sentences)
    words = [w for s in sentences for w in s.words]
    i = words.index("does")
    assert words[i : i + 2] == ["does", "n’t"]  # "doesn’t"
    i = words.index("NATO")
    assert words[i : i + 2] == ["NATO", "’s"]  # "NATO’s"
    i = words.index("’re")
    assert words[i - 1 : i + 1] == ["We", "’re"]  # "We’re"
    assert "Mr." in words  # abbreviation keeps its period (PTB)
    assert "“" in words and "”" in words  # curly quotes are their own words
    assert sentences[0].words[:4] == ("Russian", "President", "Vladimir", "Putin")


# ----------------------------------------------------------- tokenizing ----


def test_ptb_clitics_straight_apostrophes():
    assert words_of("It doesn't matter. Putin's plan. We're here, I'm sure.") == [
        ("It", "does", "n't", "matter", "."),
        ("Putin", "'s", "plan", "."),
        ("We", "'re", "here", ",", "I", "'m", "sure", "."),
    ]


def test_ptb_clitics_curly_apostrophes():
    assert words_of("She can’t say they’ll go, but NATO’s ‘plan’ isn’t set.") == [
        (
            "She",
            "ca",
            "n’t",
            "say",
            "they",
            "’ll",
            "go",
            ",",
            "but",
            "NATO",
            "’s",
            "‘",
            "plan",
            "’",
            "is",
            "n’t",
            "set",
            ".",
        ),
    ]


def test_ptb_words_keep_names_abbreviations_and_compounds():
    assert words_of(
        "Mr. O'Brien of the U.S. met McDonald's staff in Côte d'Ivoire on Jan. 5 "
        "at No. 10 with a Kyiv-based, well-known COVID-19 team—again."
    ) == [
        (
            "Mr.",
            "O'Brien",
            "of",
            "the",
            "U.S.",
            "met",
            "McDonald",
            "'s",
            "staff",
            "in",
            "Côte",
            "d'Ivoire",
            "on",
            "Jan.",
            "5",
            "at",
            "No.",
            "10",
            "with",
            "a",
            "Kyiv-based",
            ",",
            "well-known",
            "COVID-19",
            "team",
            "—",
            "again",
            ".",
        ),
    ]


def test_sentence_final_abbreviation_keeps_full_stop():
    # syntok ended the sentence on the period, so it stays the full stop.
    assert words_of("He moved to the U.S.") == [
        ("He", "moved", "to", "the", "U.S", ".")
    ]
    assert words_of("‘No.’ he said.")[0][:3] == ("‘", "No", ".")


def test_newlines_are_paragraph_boundaries():
    text = "First line without a stop\nsecond line continues\n\n***\n  \nThird one."
    sentences = segment_text("p", text)
    check_invariants(text, sentences)
    assert [s.text for s in sentences] == [
        "First line without a stop",
        "second line continues",
        "Third one.",
    ]


def test_no_alphanumeric_sentences_are_skipped():
    assert segment_text("x", "*** — ***\n. . .\n") == []
    assert segment_text("x", "") == []


def test_offsets_are_article_offsets():
    text = "Intro.\n\n  Second paragraph here. And more."
    sentences = segment_text("o", text)
    check_invariants(text, sentences)
    assert sentences[1].start == text.index("Second")
    assert sentences[2].text == "And more."


# ------------------------------------------------------- long sentences ----


def test_20000_words_without_punctuation():
    words = [f"w{i % 97}" for i in range(20_000)]
    text = " ".join(words)
    t0 = time.perf_counter()
    sentences = segment_text("long", text)
    elapsed = time.perf_counter() - t0
    check_invariants(text, sentences)
    assert [
        w for s in sentences for w in s.words
    ] == words  # every word, once, in order
    assert max(len(s.words) for s in sentences) <= MAX_WORDS
    assert len(sentences) >= 20_000 // MAX_WORDS
    assert elapsed < 5, elapsed


def test_long_sentence_prefers_punctuation_and_conjunctions():
    clause = "the minister said that talks would continue next week in the capital"
    text = "; ".join([clause] * 30) + "."
    sentences = segment_text("c", text)
    check_invariants(text, sentences)
    assert len(sentences) > 1
    for s in sentences[:-1]:
        assert s.words[-1] == ";", s.words[-3:]
    text = " and ".join([clause] * 30) + "."
    for s in segment_text("c", text)[1:]:
        assert s.words[0] == "and", s.words[:3]


# ------------------------------------------------------------- property ----

_NEWSY = st.sampled_from(
    list("abcXYZ019 .,;:!?'\"-—–_()[]\n\r\t\u00a0\u200b\u2028’‘“”«»…éñßКиї中文")
    + ["n't", "'s", "Mr.", "U.S.", "O'", "Mc", "\u0301", "\u200d", "'90s", "--", "..."]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(_NEWSY, max_size=200).map("".join)))
def test_segment_text_property(text):
    sentences = segment_text("h", text)
    check_invariants(text, sentences)
    # an empty list would pass the invariants: text with a letter or digit must
    # give sentences, and every such character must lie inside one of their words
    if any(ch.isalnum() for ch in text):
        assert sentences, repr(text)
    covered = {i for s in sentences for start, end in zip(s.word_starts, s.word_ends)
               for i in range(start, end)}
    lost = [(i, ch) for i, ch in enumerate(text) if ch.isalnum() and i not in covered]
    assert not lost, (text, lost)


# ----------------------------------------------------------------- Beam ----


def test_segment_articles_pipeline():
    articles = [
        Article(
            article_id="a", source="a.txt", text="Putin spoke. NATO’s chief replied."
        ),
        Article(article_id="b", source="b.jsonl:3", text="One line\nanother line"),
        Article(article_id="c", source="c.txt", text="*** --- ***"),
    ]
    with test_pipeline.TestPipeline() as p:
        docs = p | beam.Create(articles) | SegmentArticles()
        assert_that(
            docs
            | "Key" >> beam.FlatMap(lambda d: [(s.article_id, s.sentence_index, s.words)
                                               for s in d.sentences]),
            equal_to(
                [
                    ("a", 0, ("Putin", "spoke", ".")),
                    ("a", 1, ("NATO", "’s", "chief", "replied", ".")),
                    ("b", 0, ("One", "line")),
                    ("b", 1, ("another", "line")),
                ]
            ),
            label="sentences",
        )
        # every article comes out once, with its text and sentence count
        assert_that(
            docs | "Meta" >> beam.Map(lambda d: (d.article_id, d.article.source,
                                                 d.n_sentences, len(d.article.text))),
            equal_to([("a", "a.txt", 2, 34), ("b", "b.jsonl:3", 2, 21), ("c", "c.txt", 0, 11)]),
            label="docs",
        )
        assert_that(
            docs
            | "Reasons"
            >> beam.FlatMap(lambda d: [(x.article_id, x.source, x.stage, x.reason)
                                       for x in d.dead]),
            equal_to(
                [
                    (
                        "c",
                        "c.txt",
                        "segment",
                        "no_sentences: no sentence with an alphanumeric word",
                    )
                ]
            ),
            label="dead_letters",
        )
