"""Hostile inputs end to end, and the accounting that proves every input came out
exactly once (ok or dead-lettered, with its reason).

Real files, a real tagger model (the conftest fixture) and real Beam pipelines; no
mocks; only structure is asserted, never the model's content.

The hostile-input catalogue, and where each case is tested:

=================================  ===========================  ======================
input                              expected                     test
=================================  ===========================  ======================
empty file, whitespace only        dead letter ``empty``        test_read (+ folder)
image bytes, random bytes          dead letter ``binary``       test_read (+ folder)
Latin-1, Windows-1252              decoded text                 test_read (+ folder)
UTF-16 + BOM, UTF-8 + BOM          decoded text, BOM stripped   test_read (+ folder)
50 MB article                      dead letter ``too_large``    here
20,000-word "sentence"             ok, every word tagged        test_segment + here
JSONL malformed line               dead letter ``bad_json``     test_read (+ folder)
JSONL line without ``text``        ``missing_text``             test_read (+ folder)
JSONL ``text`` not a string        ``bad_text_type``            test_read (+ folder)
JSONL duplicate ``id``             ``duplicate_id``             test_read (+ folder)
same id in two files               ``duplicate_id``             here
JSONL unparseable ``published``    ok, default date, warning    test_read (+ folder)
unknown extension                  ``unsupported_extension``    test_read (+ folder)
glob matching nothing              exit 2 (CLI), ``no_match``   test_cli, test_read
unreadable file                    ``unreadable``               here (see below)
HTML with scripts, no body text    ``no_text``                  test_read (+ folder)
=================================  ===========================  ======================

"Unreadable": tests run as root, for whom ``chmod 000`` blocks nothing, so the
two unreadable inputs used are a *directory* named ``x.txt`` given by name (its
open fails: IsADirectoryError) and a *dangling symbolic link* ``gone.txt``
(matched by a glob or named; Beam's matcher would skip it silently).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.fileio import ReadableFile
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import HealthCheck, example, given, settings, strategies as st

from pipeline.config import DEFAULT_MAX_BYTES
from pipeline.inputs.formats import parse_file
from pipeline.nlp.events.frames import decode_sentence
from pipeline.nlp.sentences import segment_text
from pipeline.nlp.windows import predict_windowed
from pipeline.ops import accounting
from pipeline.records import DeadLetter
from pipeline.stages.read import ReadArticles, ReadFileFn
from tests.ops_helpers import (CLAUSE, GOOD_1, GOOD_2, PUBLISHED, READ_DATA, cli, code, pred_frame,
                               read_tables, sentence_frames)


# ------------------------------------------------- missing catalogue cases


def test_50_mb_article_is_too_large_without_being_read(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"The minister spoke. " * (50_000_000 // 20))
    size = path.stat().st_size
    assert size == 50_000_000
    out = list(ReadFileFn(None, DEFAULT_MAX_BYTES).process(
        ReadableFile(FileMetadata(str(path), size))))
    assert len(out) == 1
    dead = out[0].value
    assert dead.reason == f"too_large: {size} bytes > {DEFAULT_MAX_BYTES}"
    assert (dead.article_id, dead.stage) == ("huge", "read")
    assert dead.excerpt.startswith("The minister spoke.")


def test_unreadable_inputs_directory_and_dangling_symlink(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text("Fine text.")
    (src / "folder.txt").mkdir()
    os.symlink(tmp_path / "deleted.txt", src / "gone.txt")
    lone = tmp_path / "lone.txt"
    os.symlink(tmp_path / "also-deleted.txt", lone)
    with test_pipeline.TestPipeline() as p:
        out = p | ReadArticles([str(src / "*"), str(src / "folder.txt"), str(lone)])
        assert_that(out["articles"] | beam.Map(lambda a: a.article_id), equal_to(["ok"]),
                    label="articles")
        assert_that(out["dead_letters"] | "Why" >> beam.Map(
            lambda d: (os.path.basename(d.source), d.article_id, d.reason.split(":")[0])),
            equal_to([("gone.txt", "gone", "unreadable"), ("folder.txt", "folder", "unreadable"),
                      ("lone.txt", "lone", "unreadable")]), label="dead")


def test_same_id_in_two_files_is_a_duplicate(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "story.txt").write_text("First story.")
    (tmp_path / "b" / "story.txt").write_text("Second story.")
    (tmp_path / "b" / "feed.jsonl").write_text('{"id": "story", "text": "Third."}\n')
    with test_pipeline.TestPipeline() as p:
        out = p | ReadArticles([str(tmp_path / "a" / "*"), str(tmp_path / "b" / "*")])
        assert_that(out["articles"] | beam.Map(lambda a: (a.article_id, a.text)),
                    equal_to([("story", "First story.")]), label="first_wins")
        assert_that(out["dead_letters"] | "Why" >> beam.Map(
            lambda d: (d.source[len(str(tmp_path)):], d.reason)),
            equal_to([("/b/feed.jsonl:1", f"duplicate_id: 'story' also read from "
                                          f"{tmp_path}/a/story.txt"),
                      ("/b/story.txt", f"duplicate_id: 'story' also read from "
                                       f"{tmp_path}/a/story.txt")]), label="dead")


# ----------------------------------------------- the catalogue, end to end


def _catalogue(root: Path):
    """A folder of every hostile input plus good ones; returns (patterns,
    {input: expected status or reason code})."""
    src = root / "in"
    src.mkdir()
    rng = random.Random(3)
    files = {
        "good1.txt": (GOOD_1.encode(), "ok"),
        "good2.txt": (GOOD_2.encode(), "ok"),
        "empty.txt": (b"", "empty"),
        "blank.txt": (b" \n\t \r\n", "empty"),
        "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                      + bytes(rng.randrange(256) for _ in range(3000)), "binary"),
        "random.txt": (bytes(rng.randrange(256) for _ in range(5000)), "binary"),
        "latin1.txt": ("Le ministre a visité Zürich et Orléans.".encode("latin-1"), "ok"),
        "cp1252.txt": ("The mayor said “no” to the plan’s critics.".encode("cp1252"), "ok"),
        "utf16.txt": ("Kyiv – Київ said talks failed.".encode("utf-16"), "ok"),
        "utf8bom.txt": (b"\xef\xbb\xbf" + "Zoë said the talks failed.".encode(), "ok"),
        "huge.txt": (b"The minister spoke. " * 2_500_000, "too_large"),  # 50 MB
        "endless.txt": (" ".join(f"word{i % 89}" for i in range(20_000)).encode(), "ok"),
        "notes.xyz": (b"some notes", "unsupported_extension"),
        "scripts.html": ((READ_DATA / "html" / "scripts_only.html").read_bytes(), "no_text"),
        "feed.jsonl": ((READ_DATA / "articles.jsonl").read_bytes(), None),
    }
    for name, (data, _) in files.items():
        (src / name).write_bytes(data)
    os.symlink(root / "deleted.txt", src / "gone.txt")
    (src / "folder.txt").mkdir()
    (root / "other").mkdir()
    (root / "other" / "good1.txt").write_text("A second good1, in another folder.")
    feed = str(src / "feed.jsonl")
    expected = {str(src / n): want for n, (_, want) in files.items() if want}
    expected.update({
        f"{feed}:1": "ok", f"{feed}:3": "bad_json", f"{feed}:4": "missing_text",
        f"{feed}:5": "bad_text_type", f"{feed}:6": "duplicate_id", f"{feed}:7": "ok",
        f"{feed}:8": "bad_json", f"{feed}:9": "ok",
        str(src / "gone.txt"): "unreadable",
        str(root / "other" / "good1.txt"): "duplicate_id",
    })
    # a glob that matches nothing is an operator mistake the CLI stops at (exit 2,
    # test_cli.py), and a folder named as an input is read (its supported files); a
    # glob lists files, so the folder "folder.txt" inside src/ is no input at all
    patterns = [src / "*", root / "other" / "good1.txt"]
    return [str(p) for p in patterns], expected


def test_catalogue_folder_is_fully_accounted_for(tmp_path, model_dir, capsys):
    patterns, expected = _catalogue(tmp_path)
    out = tmp_path / "out"
    assert cli("--input", *patterns, "--output", out, "--published", PUBLISHED,
               model_dir=model_dir) == 0
    stdout = capsys.readouterr().out
    t = read_tables(out)
    got = {a["source"]: "ok" if a["status"] == "ok" else code(a["error"]) for a in t["articles"]}
    assert got == expected  # every input exactly once, with its reason
    n_ok = sum(1 for v in expected.values() if v == "ok")
    assert f"articles read: {len(expected)} (ok {n_ok}, dead-lettered {len(expected) - n_ok})" in stdout
    # the commonest dead-letter reasons, counted, most first
    from collections import Counter

    top = Counter(r for r in expected.values() if r != "ok").most_common()
    line = next(l for l in stdout.splitlines() if l.startswith("  dead-letter reasons: "))
    shown = dict((r, int(n)) for r, n in (x.rsplit(" ", 1) for x in line.split(": ", 1)[1].split(", ")))
    assert len(shown) == min(5, len(top)) and all(shown[r] == n for r, n in top if r in shown)
    assert list(shown.values()) == sorted(shown.values(), reverse=True)
    assert "wall time: " in stdout
    # every dead-lettered input has its dead letter, with the same reason
    reasons = {d["source"]: code(d["reason"]) for d in t["dead_letters"]}
    assert reasons == {s: r for s, r in expected.items() if r != "ok"}
    # decodable encodings were decoded, not dead-lettered
    by_id = {a["article_id"]: a for a in t["articles"]}
    assert by_id["latin1"]["status"] == by_id["utf16"]["status"] == "ok"
    assert by_id["endless"]["n_sentences"] >= 20_000 // 120
    assert by_id["feed-7"]["published"] == dt.date(2024, 6, 20)  # bad date: default
    assert sum(a["n_events"] for a in t["articles"]) == len(t["events"])


def test_accounting_catches_a_lost_input(tmp_path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "b.txt").write_text("B.")
    row = {"source": str(tmp_path / "a.txt"), "article_id": "a", "status": "ok", "n_events": 0}
    with pytest.raises(accounting.AccountingError, match="without an articles row.*b.txt"):
        accounting.check([row], [], [], [str(tmp_path / "*.txt")])
    with pytest.raises(accounting.AccountingError, match="more than one"):
        accounting.check([row, row], [], [], [str(tmp_path / "a.txt")])
    accounts = accounting.check([row], [], [], [str(tmp_path / "*.txt")],
                                skipped=1, skipped_sources=[str(tmp_path / "b.txt")])
    assert (accounts.inputs, accounts.ok, accounts.skipped) == (2, 1, 1)


# -------------------------------------------------------- property test


def _fake_predict(sentences):
    """Deterministic stand-in for the tagger's *output*: every third word a
    predicate, its neighbours arguments; covers at most 40 words, like a
    small model window would."""
    from pipeline.tagger.predictor import Entity

    out = []
    for words in sentences:
        n = min(len(words), 40)
        frames = tuple(pred_frame(p, *([("ARG0", p - 1, p - 1, "PAG")] if p else [])
                                  + ([("ARG1", p + 1, n - 1, "PPT")] if p + 1 < n else []))
                       for p in range(0, n, 3))
        ents = tuple(Entity("PER", i, i) for i in range(1, n, 5))
        out.append(dataclasses.replace(sentence_frames(*frames), entities=ents, covered=n))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(" ".join([CLAUSE] * 30).encode(), ".txt")  # long: chunks of 120 words, windows of 40
@example(json.dumps({"id": 1, "text": CLAUSE + " ." + "\n" * 3}).encode(), ".jsonl")
@given(st.one_of(st.binary(max_size=3000),
                 st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
                 st.lists(st.sampled_from(CLAUSE.split() + [",", ".", "\n"]), max_size=600)
                 .map(lambda ws: " ".join(ws).encode())),
       st.sampled_from([".txt", ".jsonl", ".html"]))
def test_read_segment_windows_decode_never_crash(data, ext):
    for item in parse_file(f"/no/dir/x{ext}", data, None, read_sidecar=lambda p: None):
        if isinstance(item, DeadLetter):
            assert ": " in item.reason
            continue
        for sent in segment_text(item.article_id, item.text, max_words=120):
            frames = predict_windowed(_fake_predict, sent.words, size=40)
            assert frames.covered == len(sent.words)
            for event in decode_sentence(sent, frames, "m@1"):
                assert item.text[event.action_start:event.action_end]
                for role in event.roles:
                    assert item.text[role.start:role.end] == role.text
