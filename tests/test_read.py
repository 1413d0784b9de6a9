"""Tests for pipeline.stages.read: real files on disk, no mocks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from pathlib import Path

import apache_beam as beam
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.fileio import ReadableFile
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.inputs.decoding import ReadError, decode_bytes, normalize_text
from pipeline.inputs.formats import parse_file
from pipeline.inputs.listing import select_inputs
from pipeline.stages.read import (
    ReadArticles,
    RepeatedIds,
    UniqueIds,
    ReadFileFn,
)
from pipeline.records import Article, DeadLetter, printable_excerpt

DATA = Path(__file__).parent / "data" / "read"
DEFAULT = dt.date(2000, 1, 1)


def parse(path: Path, data: bytes | None = None, **kwargs):
    if data is None:
        data = path.read_bytes()
    return list(parse_file(str(path), data, kwargs.pop("default", DEFAULT), **kwargs))


def only(items, kind):
    assert len(items) == 1, items
    assert isinstance(items[0], kind), items[0]
    return items[0]


def code(dead: DeadLetter) -> str:
    return dead.reason.split(":", 1)[0]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- .txt ----


def test_txt_with_sidecar_reads_metadata():
    path = DATA / "sidecar" / "story.txt"
    art = only(parse(path), Article)
    assert art.article_id == "story"
    assert art.source == str(path)
    assert art.text == path.read_text(encoding="utf-8")
    assert art.published == dt.date(2024, 6, 20)
    assert art.title == "Russia and China sign trade deal"
    assert art.url == "https://example.com/story"
    assert art.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_txt_without_sidecar_uses_default_published(tmp_path):
    path = write(tmp_path, "plain.txt", b"Just text.\n")
    art = only(parse(path), Article)
    assert (art.article_id, art.published, art.title, art.url) == (
        "plain",
        DEFAULT,
        None,
        None,
    )


def test_sidecar_with_bad_date_keeps_article_with_default(tmp_path, caplog):
    path = write(tmp_path, "s.txt", b"Some text.")
    write(tmp_path, "s.json", b'{"published": "yesterday", "title": "T"}')
    art = only(parse(path), Article)
    assert art.published == DEFAULT and art.title == "T"
    assert "unparseable published" in caplog.text


def test_broken_sidecar_is_ignored(tmp_path):
    path = write(tmp_path, "s.txt", b"Some text.")
    write(tmp_path, "s.json", b"{not json")
    art = only(parse(path), Article)
    assert art.published == DEFAULT and art.title is None


def test_crlf_normalised_and_nfc(tmp_path):
    path = write(tmp_path, "n.txt", "cafe\u0301 one\r\ntwo\rthree\n".encode("utf-8"))
    art = only(parse(path), Article)
    assert art.text == "caf\u00e9 one\ntwo\nthree\n"


# --------------------------------------------------------------- .jsonl ----


def test_jsonl_good_and_bad_lines():
    path = DATA / "articles.jsonl"
    out = parse(path)
    articles = {a.article_id: a for a in out if isinstance(a, Article)}
    dead = [(d.source, code(d), d.article_id) for d in out if isinstance(d, DeadLetter)]

    assert sorted(articles) == ["9", "a1", "articles-7"]
    a1 = articles["a1"]
    assert a1.text == "Alpha said hello."  # the first a1 wins
    assert a1.source == f"{path}:1"
    assert a1.published == dt.date(2024, 6, 1)
    assert (a1.title, a1.url) == ("Alpha", "https://example.com/a1")
    line1 = path.read_bytes().split(b"\n")[0]
    assert a1.content_hash == hashlib.sha256(line1).hexdigest()

    # Missing id -> <stem>-<lineno>; unparseable date -> default, not dead.
    assert articles["articles-7"].published == DEFAULT
    assert articles["articles-7"].source == f"{path}:7"
    assert articles["9"].text == "Windows\nnewlines inside."

    assert dead == [
        (f"{path}:3", "bad_json", None),
        (f"{path}:4", "missing_text", "a4"),
        (f"{path}:5", "bad_text_type", "a5"),
        (f"{path}:6", "duplicate_id", "a1"),
        (f"{path}:8", "bad_json", None),
    ]
    assert all(d.stage == "read" for d in out if isinstance(d, DeadLetter))
    bad = next(d for d in out if isinstance(d, DeadLetter) and d.source.endswith(":3"))
    assert bad.excerpt.startswith('{"id": "a3"')


def test_jsonl_with_crlf_lines_and_bom(tmp_path):
    data = b'\xef\xbb\xbf{"id": "x", "text": "T1"}\r\n{"id": "y", "text": "T2"}\r\n'
    out = parse(write(tmp_path, "w.jsonl", data))
    assert [(a.article_id, a.text) for a in out] == [("x", "T1"), ("y", "T2")]
    assert (
        out[1].content_hash == hashlib.sha256(b'{"id": "y", "text": "T2"}').hexdigest()
    )


def test_jsonl_blank_file_is_empty(tmp_path):
    dead = only(parse(write(tmp_path, "b.jsonl", b"\n  \n\n")), DeadLetter)
    assert code(dead) == "empty"


# ----------------------------------------------------------- published ----


def jsonl_published(tmp_path: Path, value) -> list:
    line = json.dumps({"id": "p1", "text": "Some text.", "published": value})
    return parse(write(tmp_path, "p.jsonl", line.encode("utf-8") + b"\n"))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-07", dt.date(2024, 3, 7)),
        ("March 7, 2024", dt.date(2024, 3, 7)),
        ("7 March 2024", dt.date(2024, 3, 7)),
        ("Mar. 7, 2024", dt.date(2024, 3, 7)),
        ("Thursday, March 7, 2024", dt.date(2024, 3, 7)),
        ("07-Mar-2024", dt.date(2024, 3, 7)),
        ("Thu, 07 Mar 2024 10:00:00 GMT", dt.date(2024, 3, 7)),
        # the date as written: the zone is not applied (the publisher's day)
        ("Thu, 07 Mar 2024 23:30:00 -0500", dt.date(2024, 3, 7)),
        ("2024-03-07T23:30:00-05:00", dt.date(2024, 3, 7)),
        ("2024-03-07T02:00:00+09:00", dt.date(2024, 3, 7)),
        ("March 7, 2024 10:00 AM EST", dt.date(2024, 3, 7)),
        ("2024/03/07", dt.date(2024, 3, 7)),
        ("2024.3.7", dt.date(2024, 3, 7)),
        ("13/03/2024", dt.date(2024, 3, 13)),  # 13 cannot be a month
        ("03/13/2024", dt.date(2024, 3, 13)),
        ("03/03/2024", dt.date(2024, 3, 3)),  # both readings agree
        ("  2024-03-07  ", dt.date(2024, 3, 7)),
    ],
)
def test_published_common_formats(tmp_path, value, expected, caplog):
    art = only(jsonl_published(tmp_path, value), Article)
    assert art.published == expected
    assert "published" not in caplog.text


@pytest.mark.parametrize(
    "value, reason",
    [
        ("03/04/2024", "ambiguous_published: '03/04/2024' could be 3 April or 4 March "
                       "(write it as YYYY-MM-DD)"),
        ("7.3.2024", "ambiguous_published: '7.3.2024' could be 7 March or 3 July "
                     "(write it as YYYY-MM-DD)"),
        ("12-11-2023 08:00", "ambiguous_published: '12-11-2023 08:00' could be 12 November "
                             "or 11 December (write it as YYYY-MM-DD)"),
        ("3/14/24", "ambiguous_published: '3/14/24' has a two-digit year "
                    "(write it as YYYY-MM-DD)"),
    ],
)
def test_ambiguous_published_is_a_dead_letter(tmp_path, value, reason, caplog):
    dead = only(jsonl_published(tmp_path, value), DeadLetter)
    assert (dead.stage, dead.reason, dead.article_id) == ("read", reason, "p1")
    assert dead.source == f"{tmp_path / 'p.jsonl'}:1"
    assert code(dead) == "ambiguous_published"
    assert "unparseable" not in caplog.text


def test_ambiguous_published_costs_only_its_line(tmp_path):
    lines = [{"id": "a", "text": "One.", "published": "03/04/2024"},
             {"id": "b", "text": "Two.", "published": "04/13/2024"}]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
    out = parse(write(tmp_path, "two.jsonl", data))
    assert [(type(x).__name__, x.article_id) for x in out] == [
        ("DeadLetter", "a"), ("Article", "b")]
    assert out[1].published == dt.date(2024, 4, 13)


def test_sidecar_ambiguous_published_is_a_dead_letter(tmp_path):
    path = write(tmp_path, "s.txt", b"Some text.")
    write(tmp_path, "s.json", b'{"published": "05/06/2024"}')
    dead = only(parse(path), DeadLetter)
    assert (dead.source, dead.stage, dead.article_id) == (str(path), "read", "s")
    assert dead.reason == ("ambiguous_published: '05/06/2024' could be 5 June or 6 May "
                           "(write it as YYYY-MM-DD)")


def test_sidecar_long_form_published(tmp_path):
    path = write(tmp_path, "s.txt", b"Some text.")
    write(tmp_path, "s.json", b'{"published": "Thu, 07 Mar 2024 10:00:00 GMT"}')
    assert only(parse(path), Article).published == dt.date(2024, 3, 7)


@pytest.mark.parametrize(
    "value",
    ["yesterday", "March 2024", "March 7", "2024-02-30", "31/02/2024", "0/5/2024",
     "07 03 2024", "", "soon",
     1709805600, True, ["2024-03-07"]],
)
def test_unparseable_published_default_and_one_warning(tmp_path, value, caplog):
    art = only(jsonl_published(tmp_path, value), Article)
    assert art.published == DEFAULT
    warnings = [r for r in caplog.records if "unparseable published" in r.getMessage()]
    assert len(warnings) == 1, caplog.text


def test_unparseable_published_warned_once_by_the_read_stage(tmp_path, caplog):
    """A file that shares an id with another file is parsed twice (the id
    pass, then the read): its warning came twice. Its dead letters once."""
    src = tmp_path / "in"
    src.mkdir()
    write(src, "a.jsonl", b'{"id": "shared", "text": "A.", "published": "soon"}\n'
                          b'{"id": "a2", "text": "B.", "published": "03/04/2024"}\n')
    write(src, "b.jsonl", b'{"id": "shared", "text": "C.", "published": "March 7, 2024"}\n')
    with caplog.at_level("WARNING", logger="pipeline.inputs.formats"):
        with test_pipeline.TestPipeline() as p:
            out = p | ReadArticles([str(src / "*.jsonl")], default_published=DEFAULT)
            assert_that(out["articles"] | "Pub" >> beam.Map(
                lambda a: (a.source.rsplit("/", 1)[-1], a.published)),
                equal_to([("a.jsonl:1", DEFAULT)]), label="articles")
            assert_that(out["dead_letters"] | "Why" >> beam.Map(
                lambda d: (d.source.rsplit("/", 1)[-1], d.stage, d.reason.split(":")[0])),
                equal_to([("a.jsonl:2", "read", "ambiguous_published"),
                          ("b.jsonl:1", "read", "duplicate_id")]), label="dead")
    warnings = [r for r in caplog.records if "unparseable published" in r.getMessage()]
    assert len(warnings) == 1, caplog.text


# ---------------------------------------------------------------- HTML ----


def test_html_main_text_without_scripts_or_nav():
    path = DATA / "html" / "article.html"
    art = only(parse(path), Article)
    assert art.article_id == "article"
    assert "met in Berlin on Tuesday" in art.text
    assert "further talks would be held next month in Paris" in art.text
    assert "SCRIPT_NOISE" not in art.text
    assert "NAV_NOISE" not in art.text
    assert "Leaders meet in Berlin" in (art.title or "")
    # htmldate would read "Copyright 2024" as a date; we keep the default.
    assert art.published == DEFAULT


def test_html_with_only_scripts_is_no_text():
    dead = only(parse(DATA / "html" / "scripts_only.html"), DeadLetter)
    assert code(dead) == "no_text"
    assert dead.article_id == "scripts_only"


def test_htm_extension_is_html(tmp_path):
    html = (DATA / "html" / "article.html").read_bytes()
    art = only(parse(write(tmp_path, "page.HTM", html)), Article)
    assert "met in Berlin" in art.text


# ----------------------------------------------------- bad whole files ----


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty"), (b" \n\t\r\n  ", "empty"), (b"\xef\xbb\xbf  \n", "empty")],
)
def test_empty_and_whitespace(tmp_path, data, reason):
    dead = only(parse(write(tmp_path, "e.txt", data)), DeadLetter)
    assert code(dead) == reason
    assert dead.source.endswith("e.txt") and dead.stage == "read"


def test_binary_png_is_dead_lettered(tmp_path):
    rng = random.Random(7)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(
        rng.randrange(256) for _ in range(2000)
    )
    dead = only(parse(write(tmp_path, "img.txt", png)), DeadLetter)
    assert code(dead) == "binary"
    assert dead.excerpt and dead.excerpt.isprintable()


def test_binary_without_nul_is_dead_lettered(tmp_path):
    dead = only(parse(write(tmp_path, "ctl.txt", bytes(range(1, 32)) * 20)), DeadLetter)
    assert code(dead) == "binary"


def test_unknown_extension(tmp_path):
    dead = only(parse(write(tmp_path, "notes.xyz", b"text")), DeadLetter)
    assert dead.reason == "unsupported_extension: .xyz"


def test_lone_json_is_unsupported(tmp_path):
    dead = only(parse(write(tmp_path, "meta.json", b"{}")), DeadLetter)
    assert dead.reason == "unsupported_extension: .json"


def test_too_large(tmp_path):
    dead = only(
        parse(write(tmp_path, "big.txt", b"a" * 101), max_bytes=100), DeadLetter
    )
    assert dead.reason == "too_large: 101 bytes > 100"
    assert dead.article_id == "big"


# ------------------------------------------------------------ decoding ----


def test_decode_latin1():
    assert decode_bytes("café".encode("latin-1")) == "café"
    assert decode_bytes("Le café est fermé à Zürich.".encode("latin-1")) == (
        "Le café est fermé à Zürich."
    )


def test_decode_windows_1252_curly_quotes():
    text = "The mayor said “no” to the plan’s critics — again."
    assert decode_bytes(text.encode("cp1252")) == text


def test_decode_utf16_with_bom():
    data = "Hello wörld\r\n“quoted”".encode("utf-16")
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert decode_bytes(data) == "Hello wörld\n“quoted”"


def test_decode_utf8_bom_stripped(tmp_path):
    data = b"\xef\xbb\xbf" + "Zoë said hi.".encode("utf-8")
    assert decode_bytes(data) == "Zoë said hi."
    art = only(parse(write(tmp_path, "bom.txt", data)), Article)
    assert art.text == "Zoë said hi."
    assert art.content_hash == hashlib.sha256(data).hexdigest()  # raw bytes


def test_decode_binary_raises_read_error():
    with pytest.raises(ReadError) as err:
        decode_bytes(b"abc\x00def")
    assert err.value.code == "binary"


def test_encodings_through_parse_file(tmp_path):
    cases = {
        "latin1.txt": "Un café à Paris.".encode("latin-1"),
        "cp1252.txt": "He said “yes” – twice.".encode("cp1252"),
        "utf16.txt": "Kyiv – Київ".encode("utf-16"),
    }
    texts = {
        name: only(parse(write(tmp_path, name, data)), Article).text
        for name, data in cases.items()
    }
    assert texts == {
        "latin1.txt": "Un café à Paris.",
        "cp1252.txt": "He said “yes” – twice.",
        "utf16.txt": "Kyiv – Київ",
    }


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
    | st.sampled_from("\n\r\t"),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_decode_utf8_roundtrip_property(text):
    assume(not text.startswith("\ufeff"))  # that is a BOM, stripped by design
    assert decode_bytes(text.encode("utf-8")) == normalize_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.binary(max_size=1500), _TEXT.map(lambda t: t.encode("utf-8"))),
    st.sampled_from([".txt", ".jsonl", ".html", ".json", ".xyz"]),
)
def test_parse_file_never_raises_property(data, ext):
    out = list(
        parse_file(f"/no/such/dir/x{ext}", data, DEFAULT, read_sidecar=lambda p: None)
    )
    assert out
    for item in out:
        assert isinstance(item, (Article, DeadLetter))
        if isinstance(item, Article):
            assert item.text.strip() and "\r" not in item.text
            assert len(item.content_hash) == 64
        else:
            assert item.stage == "read" and ": " in item.reason
            assert item.excerpt.isprintable() or not item.excerpt


def test_printable_excerpt():
    ex = printable_excerpt(b"a\x00b\nc\x89" + b"x" * 500)
    assert ex.isprintable()
    assert ex.startswith("a\\x00b\\nc\\x89")
    assert len(printable_excerpt("y" * 500)) == 200


def test_select_inputs_drops_sidecars_and_duplicates():
    assert select_inputs(["d/a.txt", "d/a.json", "d/a.txt"]) == ["d/a.txt"]
    assert select_inputs(["d/a.json"]) == ["d/a.json"]  # orphan: dead-lettered later
    assert select_inputs(["d/a.jsonl", "d/a.json"]) == ["d/a.json", "d/a.jsonl"]


def test_read_fn_turns_unexpected_errors_into_dead_letters(tmp_path):
    path = write(tmp_path, "ok.txt", b"fine")
    # Metadata corrupted after matching (a size that cannot be compared with
    # an int) stands in for any bug: the DoFn must report, not raise.
    metadata = FileMetadata(str(path), 4)
    metadata.size_in_bytes = "not-a-size"
    weird = ReadableFile(metadata)
    out = list(ReadFileFn(None, 100).process(weird))
    assert len(out) == 1
    dead = out[0].value
    assert dead.reason.startswith("internal_error: TypeError:")
    assert dead.source == str(path)


# ---------------------------------------------------------------- Beam ----


def test_read_articles_pipeline(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write(src, "a.txt", b"Alpha article text.")
    write(src, "a.json", b'{"published": "2024-05-01", "title": "Alpha"}')
    write(
        src,
        "b.jsonl",
        b'{"id": "b1", "text": "One."}\n{"id": "b2", "text": "Two."}\n{oops\n',
    )
    write(src, "c.html", (DATA / "html" / "article.html").read_bytes())
    write(src, "d.xyz", b"whatever")
    write(src, "e.txt", b"   \n")
    write(src, "orphan.json", b"{}")
    write(src, "big.txt", b"word " * 3000)
    (src / "folder.txt").mkdir()  # globs skip it; named outright it is unreadable

    patterns = [
        str(src / "*"),
        str(src / "a.txt"),  # overlaps the glob: must not be read twice
        str(src / "folder.txt"),
        str(tmp_path / "nothing" / "*.txt"),
    ]
    with test_pipeline.TestPipeline() as p:
        out = p | ReadArticles(patterns, default_published=DEFAULT, max_bytes=10_000)
        assert set(out) == {"articles", "dead_letters"}
        articles = out["articles"] | "Ids" >> beam.Map(
            lambda a: (a.article_id, a.published, a.title)
        )
        reasons = out["dead_letters"] | "Codes" >> beam.Map(
            lambda d: (d.source.rsplit("/", 1)[-1], d.stage, d.reason.split(":")[0])
        )
        assert_that(
            articles,
            equal_to(
                [
                    ("a", dt.date(2024, 5, 1), "Alpha"),
                    ("b1", DEFAULT, None),
                    ("b2", DEFAULT, None),
                    ("c", DEFAULT, "Leaders meet in Berlin without a deal"),
                ]
            ),
            label="articles",
        )
        assert_that(
            reasons,
            equal_to(
                [
                    ("b.jsonl:3", "read", "bad_json"),
                    ("d.xyz", "read", "unsupported_extension"),
                    ("e.txt", "read", "empty"),
                    ("orphan.json", "read", "unsupported_extension"),
                    ("big.txt", "read", "too_large"),
                    ("folder.txt", "read", "unreadable"),
                    ("*.txt", "read", "no_match"),
                ]
            ),
            label="dead_letters",
        )


def test_read_articles_no_match_reason(tmp_path):
    pattern = str(tmp_path / "none" / "*.jsonl")
    with test_pipeline.TestPipeline() as p:
        out = p | ReadArticles([pattern])
        assert_that(out["articles"], equal_to([]), label="no_articles")
        assert_that(
            out["dead_letters"] | beam.Map(lambda d: (d.source, d.reason)),
            equal_to([(pattern, f"no_match: {pattern}")]),
            label="no_match",
        )


def test_repeated_ids_and_unique_ids_keep_the_smallest_source():
    def art(article_id, source):
        return Article(article_id=article_id, source=source, text=f"text of {source}")

    articles = [art("a", "z.jsonl:1"), art("b", "x.txt"), art("a", "y.jsonl:4"),
                art("a", "y.jsonl:9")]
    with test_pipeline.TestPipeline() as p:
        pc = p | beam.Create(articles)
        repeated = pc | "Repeated" >> RepeatedIds()
        kept, dead = pc | UniqueIds(repeated)
        assert_that(repeated, equal_to([("a", "y.jsonl:4")]), label="repeated")
        assert_that(kept | beam.Map(lambda a: a.source), equal_to(["x.txt", "y.jsonl:4"]),
                    label="kept")
        assert_that(dead | beam.Map(lambda d: (d.source, d.reason)), equal_to([
            ("z.jsonl:1", "duplicate_id: 'a' also read from y.jsonl:4"),
            ("y.jsonl:9", "duplicate_id: 'a' also read from y.jsonl:4")]), label="dead")
