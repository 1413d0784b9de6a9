"""Operating the pipeline: hostile inputs, accounting, long sentences, per-element
errors, atomic and idempotent output, run-date partitions, incremental runs, the
portable runner, and the operator's one-line errors.

Real files, a real tagger model and real Beam pipelines; no mocks. The model is
$NEWSEVENTS_TEST_MODEL, else the committed checkpoint (the conftest fixture);
only structure is asserted here, never the model's content.

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
glob matching nothing              ``no_match``                 test_read (+ folder)
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
import re
import random
import shutil
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.fileio import ReadableFile
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.ops import accounting, manifest
from pipeline.cli import main
from pipeline.stages.decode import DecodeEvents, decode_sentence
from pipeline.stages.infer import TaggerModelHandler, predict_all
from pipeline.config import DEFAULT_MAX_BYTES, RunConfig
from pipeline.stages.read import ReadArticles, ReadFileFn, parse_file
from pipeline.records import ArticleDoc, ArticleMeta, DeadLetter, Sentence
from pipeline.stages.resolve import ResolveArticles
from pipeline.stages.rows import TableRows
from pipeline.run import run, several_workers
from pipeline.stages.segment import segment_text
from pipeline.nlp.windows import owners, predict_windowed, word_windows
from pipeline.stages.write import SORT_KEYS, read_partitioned, read_table, sort_rows

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
READ_DATA = ROOT / "tests" / "data" / "read"
SEEDS = str(ROOT / "seeds" / "*.txt")
TABLES = ("events", "articles", "dead_letters")
PUBLISHED = "2024-06-20"

GOOD_1 = ("Russian President Vladimir Putin said on Thursday that Moscow would supply "
          "weapons to North Korea.\nSeoul announced new sanctions against Pyongyang.\n")
GOOD_2 = ("The European Union warned China against arming Russia.\n"
          "Officials in Brussels said talks would resume next month.\n")
CLAUSE = "the minister said that the army would send more troops to the border region"


# ------------------------------------------------------------------ fixtures




@pytest.fixture(scope="module")
def predictor(model_dir):
    return TaggerModelHandler(model_dir, num_threads=1).load_model()


def cli(*args, model_dir):
    return main([*map(str, args), "--model", model_dir, "--threads", "1"])


def tables(out, run_date=None):
    """The three tables as rows, each in its documented reading order (SORT_KEYS):
    the files hold rows in processing order."""
    return {t: sort_rows(read_table(str(out), t, run_date).to_pylist(), SORT_KEYS[t])
            for t in TABLES}


def part_bytes(out):
    """Every part file under the output, as {relative path: bytes}."""
    return {str(p.relative_to(out)): p.read_bytes()
            for p in sorted(Path(out).rglob("*.parquet"))}


def code(reason):
    return reason.split(":", 1)[0]


def sentence_of(text, article_id="s", index=0):
    """A Sentence over ``text`` split on spaces, with article offsets."""
    words, starts, pos = text.split(" "), [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    return Sentence(article_id, index, 0, len(text), text, tuple(words), tuple(starts),
                    tuple(s + len(w) for s, w in zip(starts, words)))


def doc_of(*sentences, article_id="s", source="in/s.txt", frames=(), events=(),
           published=None):
    """An ArticleDoc holding ``sentences`` (and, when given, their frames / events)."""
    meta = ArticleMeta(article_id, source, published, None, n_sentences=len(sentences),
                       text=" ".join(s.text for s in sentences))
    return ArticleDoc(meta, tuple(sentences), tuple(frames), tuple(events))


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


# ----------------------------------------------------------- long sentences


def test_word_windows_overlap_and_cover():
    assert word_windows(80, 100) == [(0, 80)]
    assert word_windows(300, 100) == [(0, 100), (50, 150), (100, 200), (150, 250), (200, 300)]
    assert word_windows(230, 100) == [(0, 100), (50, 150), (100, 200), (130, 230)]
    own = owners(300, word_windows(300, 100))
    assert own[0] == 0 and own[74] == 0 and own[75] == 1 and own[299] == 4
    assert own == sorted(own)  # each window owns one contiguous stretch


def test_300_word_sentence_is_tagged_in_windows(predictor):
    text = ", and ".join([CLAUSE] * 22)
    sent = sentence_of(text)
    n = len(sent.words)
    assert 300 <= n < 330
    plain = predictor.predict([list(sent.words)])[0]
    assert plain.covered < n  # what the windows are for: the model window is full

    merged = predict_all(predictor.predict, [sent.words])[0]
    assert merged.covered == n  # every word was seen by the tagger
    preds = [f.pred_idx for f in merged.frames]
    assert preds == sorted(set(preds))  # one frame per predicate, in order
    for f in merged.frames:
        assert 0 <= f.pred_idx < n and f.pred_idx in f.v_words
        assert all(0 <= v < n for v in f.v_words)
        for a in f.arguments:
            assert 0 <= a.start <= a.end < n
    for e in merged.entities:
        assert 0 <= e.start <= e.end < n
    assert [(e.start, e.end) for e in merged.entities] == sorted(
        (e.start, e.end) for e in merged.entities)
    if plain.frames:  # the clause repeats: its predicates recur past the old window
        assert any(p >= plain.covered for p in preds)
    # frames shifted to sentence indices decode into spans of the sentence
    for row in decode_sentence(sent, merged, "m@1"):
        for role in row["roles"]:
            assert text[role["start"]:role["end"]] == role["text"]


def test_windows_agree_with_the_plain_tagger_inside_the_first_window(predictor):
    """A predicate owned by the first window gets that window's frame."""
    words = (" and ".join([CLAUSE] * 12)).split(" ")
    first = predictor.predict([words[:100]])[0]
    merged = predict_windowed(predictor.predict, words)
    own = owners(len(words), word_windows(len(words), 100))
    # structure, not float scores: batch padding may change the last bits
    shape = lambda frames: [(f.pred_idx, f.v_words, [(a.label, a.start, a.end, a.function)  # noqa: E731
                                                     for a in f.arguments]) for f in frames]
    expect = [f for f in first.frames if own[f.pred_idx] == 0]
    assert shape([f for f in merged.frames if f.pred_idx < 75]) == shape(expect)


def test_subword_heavy_short_sentence_is_split_further(predictor):
    words = [f"{i:04d}{'x7q' * 9}{i:04d}" for i in range(90)]  # many sub-words each
    plain = predictor.predict([words])[0]
    assert plain.covered < len(words)
    assert predict_all(predictor.predict, [words])[0].covered == len(words)


def test_handler_tags_long_sentences_fully(model_dir, predictor):
    handler = TaggerModelHandler(model_dir, num_threads=1)
    short = sentence_of("The minister announced new sanctions .")
    long = sentence_of(" ".join([CLAUSE] * 20))
    doc = doc_of(long, short)
    results = list(handler.run_inference([doc], predictor))
    assert [r.example for r in results] == [doc]
    assert [f.covered for f in results[0].inference] == [len(long.words), len(short.words)]


def test_packaged_checkpoint_is_found_where_the_worker_installed_it(model_dir):
    import pickle

    from pipeline.tagger import CHECKPOINT_DIR

    packaged = pickle.loads(pickle.dumps(TaggerModelHandler(CHECKPOINT_DIR)))
    assert packaged.model_folder() == CHECKPOINT_DIR  # resolved on load, not pickled
    assert TaggerModelHandler(model_dir).model_folder() == model_dir or model_dir == CHECKPOINT_DIR


# ------------------------------------------------------ per-element errors


def _frames(*frames):
    from pipeline.tagger.predictor import SentenceFrames

    return SentenceFrames(tuple(frames), (), 0)


def _frame(pred, *args):
    from pipeline.tagger.predictor import Argument, PredFrame

    return PredFrame(pred, 0.9, (pred,), tuple(Argument(lbl, s, e, 0.8, fn) for lbl, s, e, fn in args))


def test_decode_error_is_a_dead_letter_for_that_sentence_only():
    good = sentence_of("Putin warned Seoul", "good")
    bad = sentence_of("Rebels fired shells", "bad")
    ok_frames = _frames(_frame(1, ("ARG0", 0, 0, "PAG"), ("ARG2", 2, 2, "GOL")))
    broken = _frames(_frame(99, ("ARG0", 0, 0, "PAG")))  # predicate past the sentence
    doc = doc_of(good, dataclasses.replace(bad, article_id="good", sentence_index=1),
                 article_id="good", frames=(ok_frames, broken))
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create([doc]) | DecodeEvents("m@1")
        assert_that(out | beam.FlatMap(lambda d: [(e["article_id"], e["who"], e["target"])
                                                  for e in d.events]),
                    equal_to([("good", "Putin", "Seoul")]), label="events")
        assert_that(out | "Why" >> beam.FlatMap(
            lambda d: [(x.article_id, x.source, x.stage, x.reason, x.excerpt) for x in d.dead]),
            equal_to([("good", "in/s.txt", "decode",
                       "internal_error: IndexError: tuple index out of range",
                       "Rebels fired shells")]), label="dead")


def test_resolve_error_makes_the_article_dead_not_the_run():
    good_row = {"article_id": "good", "sentence_index": 0, "action_start": 0,
                "date_text": None, "_date_candidates": [], "_tense": "past"}
    bad_row = {"article_id": "bad", "action_start": 0}  # no sentence_index: a bug upstream
    pub = dt.date(2024, 6, 20)
    good = doc_of(sentence_of("x", "good"), article_id="good", source="in/good.txt",
                  events=[good_row], published=pub)
    bad = doc_of(sentence_of("y", "bad"), article_id="bad", source="in/bad.txt",
                 events=[bad_row], published=pub)
    with test_pipeline.TestPipeline() as p:
        out = p | beam.Create([good, bad]) | ResolveArticles() | TableRows()
        assert_that(out["events"] | beam.Map(lambda r: (r["article_id"], r["date"])),
                    equal_to([("good", pub)]), label="events")
        assert_that(out["articles"] | "Rows" >> beam.Map(
            lambda r: (r["article_id"], r["source"], r["status"], r["n_events"],
                       code(r["error"] or ""))),
            equal_to([("good", "in/good.txt", "ok", 1, ""),
                      ("bad", "in/bad.txt", "dead_letter", 0, "internal_error")]),
            label="articles")
        assert_that(out["dead_letters"] | "Why" >> beam.Map(
            lambda d: (d["article_id"], d["source"], d["stage"], d["reason"])),
            equal_to([("bad", "in/bad.txt", "resolve", "internal_error: KeyError: 'sentence_index'")]),
            label="dead")


class BadFramesHandler(TaggerModelHandler):
    """Gives every sentence of article "bad" a frame whose predicate lies past
    the sentence, as a buggy model could: decode then raises for it."""

    def run_inference(self, batch, model, inference_args=None):
        results = super().run_inference(batch, model, inference_args)
        return [r._replace(inference=tuple(_frames(_frame(999, ("ARG0", 0, 0, "PAG")))
                                           for _ in r.example.sentences))
                if r.example.article_id == "bad" else r for r in results]


class LoadFailsHandler(TaggerModelHandler):
    """The model cannot be loaded on the worker: the whole run fails."""

    def load_model(self):
        raise RuntimeError("weights vanished")


def test_decode_errors_reach_the_tables_and_the_article_row(tmp_path, model_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(GOOD_1)
    (src / "bad.txt").write_text(GOOD_2)
    out = tmp_path / "out"
    out.mkdir()
    cfg = RunConfig(inputs=[str(src / "*.txt")], output=str(out), model=model_dir, threads=1)
    # a handler given to run() is used as it is: it hands out the event head's vectors
    from pipeline.run import head_layer

    accounts = run(cfg, handler=BadFramesHandler(model_dir, num_threads=1,
                                                 context_layer=head_layer(model_dir)))
    assert (accounts.articles, accounts.ok, accounts.dead_lettered) == (2, 1, 1)
    t = tables(out)
    rows = {a["article_id"]: a for a in t["articles"]}
    assert rows["good"]["status"] == "ok"
    assert rows["bad"]["status"] == "dead_letter"
    assert rows["bad"]["error"].startswith("internal_error: IndexError")
    assert {(d["article_id"], d["stage"]) for d in t["dead_letters"]} == {("bad", "decode")}
    assert len([d for d in t["dead_letters"]]) == rows["bad"]["n_sentences"] == 2
    assert all(e["article_id"] == "good" for e in t["events"])


# ------------------------------------------------- atomic, idempotent output


def test_failed_run_leaves_previous_output_untouched(tmp_path, model_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD_1)
    out = tmp_path / "out"
    out.mkdir()
    cfg = RunConfig(inputs=[str(src / "*.txt")], output=str(out), model=model_dir, threads=1)
    run(cfg)
    before = part_bytes(out)
    assert sorted(before) == [f"{t}/part-00000-of-00001.parquet" for t in sorted(TABLES)]

    (src / "b.txt").write_text(GOOD_2)  # new input, then a run that dies
    with pytest.raises(Exception, match="weights vanished"):
        run(cfg, handler=LoadFailsHandler(model_dir))
    assert part_bytes(out) == before
    assert sorted(os.listdir(out)) == sorted(TABLES)  # no staging folder left

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(Exception, match="weights vanished"):
        run(dataclasses.replace(cfg, output=str(fresh)), handler=LoadFailsHandler(model_dir))
    assert list(fresh.rglob("*")) == []  # nothing where readers look, nothing at all


def test_weights_that_fail_at_load_exit_1_and_publish_nothing(tmp_path, model_dir, capsys):
    """Valid safetensors (the CLI's check passes) whose tensors do not fit the
    model: the failure comes from inside the pipeline, at model load."""
    from safetensors.numpy import save_file
    import numpy as np

    bad_model = tmp_path / "model"
    bad_model.mkdir()
    for name in ("tagger_config.json", "event_head.json", "event_head.safetensors"):
        shutil.copy(os.path.join(model_dir, name), bad_model)
    save_file({"not.a.weight": np.zeros(3, dtype=np.float32)}, str(bad_model / "model.safetensors"))
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, model_dir=str(bad_model)) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the loader's progress bar
    assert last.startswith("newsevents: error: run failed: ValueError: checkpoint does not match")
    assert list(out.rglob("*")) == []  # the folder exists (checked writable), empty


def test_rerun_gives_byte_identical_files(tmp_path, model_dir):
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, "--published", PUBLISHED, model_dir=model_dir) == 0
    first = part_bytes(out)
    assert cli("--input", SEEDS, "--output", out, "--published", PUBLISHED, model_dir=model_dir) == 0
    assert part_bytes(out) == first
    assert sorted(os.listdir(out)) == sorted(TABLES)


# ------------------------------------------- run-date partitions, incremental


def _news_folder(path: Path) -> Path:
    path.mkdir()
    (path / "one.txt").write_text(GOOD_1)
    (path / "two.txt").write_text(GOOD_2)
    (path / "feed.jsonl").write_text(
        json.dumps({"id": "f1", "text": "Kyiv said Moscow fired missiles."}) + "\n"
        + json.dumps({"id": "f2", "text": "NATO warned Belarus."}) + "\n")
    return path


def test_run_date_partitions_read_back_with_hive_partitioning(tmp_path, model_dir):
    src = _news_folder(tmp_path / "in")
    out = tmp_path / "out"
    assert cli("--input", src / "*", "--output", out, "--run-date", "2024-06-20",
               model_dir=model_dir) == 0
    assert cli("--input", src / "one.txt", "--output", out, "--run-date", "2024-06-21",
               model_dir=model_dir) == 0
    # one file per worker that wrote (two worker threads by default on 2+ cores)
    assert sorted({os.path.dirname(p) for p in part_bytes(out)}) == [
        f"{t}/run_date={d}" for t in sorted(TABLES) for d in ("2024-06-20", "2024-06-21")]
    assert all(re.fullmatch(r"part-0000\d-of-0000[12]\.parquet", os.path.basename(p))
               for p in part_bytes(out))
    arts = read_partitioned(str(out), "articles").to_pylist()
    assert sorted((a["run_date"], a["article_id"]) for a in arts) == [
        ("2024-06-20", "f1"), ("2024-06-20", "f2"), ("2024-06-20", "one"), ("2024-06-20", "two"),
        ("2024-06-21", "one")]
    # any Hive-aware reader sees the same (here pyarrow's own dataset reader)
    table = pq.read_table(str(out / "articles"), partitioning="hive")
    assert table.num_rows == 5 and "run_date" in table.column_names


def test_incremental_processes_only_what_is_new_or_changed(tmp_path, model_dir, capsys):
    src = _news_folder(tmp_path / "in")
    out = tmp_path / "out"

    def nightly(date):
        capsys.readouterr()
        assert cli("--input", src / "*", "--output", out, "--run-date", date, "--incremental",
                   model_dir=model_dir) == 0
        return capsys.readouterr().out, tables(out, date)

    stdout, t1 = nightly("2024-06-20")
    assert [a["article_id"] for a in t1["articles"]] == ["f1", "f2", "one", "two"]
    assert "skipped (already processed): 0" in stdout
    entries = manifest.load(str(out))
    assert sorted((e["article_id"], e["run_date"]) for e in entries) == [
        (i, "2024-06-20") for i in ("f1", "f2", "one", "two")]

    stdout, t2 = nightly("2024-06-21")  # nothing new
    assert t2["articles"] == [] and t2["events"] == []
    assert "articles read: 0 (ok 0, dead-lettered 0)" in stdout
    assert "skipped (already processed): 4" in stdout

    (src / "two.txt").write_text(GOOD_2 + "Germany announced more aid for Ukraine.\n")
    (src / "three.txt").write_text("Japan welcomed the ceasefire.\n")
    stdout, t3 = nightly("2024-06-22")  # one changed, one new
    assert [a["article_id"] for a in t3["articles"]] == ["three", "two"]
    assert "skipped (already processed): 3" in stdout

    again_stdout, again = nightly("2024-06-22")  # re-running a date rebuilds it identically
    assert again == t3
    assert "skipped (already processed): 3" in again_stdout
    assert len(manifest.load(str(out))) == 6  # two.txt twice: old and new content
    # earlier partitions are untouched by later runs
    assert tables(out, "2024-06-20") == t1


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
    (root / "folder.txt").mkdir()
    (root / "other").mkdir()
    (root / "other" / "good1.txt").write_text("A second good1, in another folder.")
    feed = str(src / "feed.jsonl")
    expected = {str(src / n): want for n, (_, want) in files.items() if want}
    expected.update({
        f"{feed}:1": "ok", f"{feed}:3": "bad_json", f"{feed}:4": "missing_text",
        f"{feed}:5": "bad_text_type", f"{feed}:6": "duplicate_id", f"{feed}:7": "ok",
        f"{feed}:8": "bad_json", f"{feed}:9": "ok",
        str(src / "gone.txt"): "unreadable",
        str(root / "folder.txt"): "unreadable",
        str(root / "other" / "good1.txt"): "duplicate_id",
        str(root / "nothing" / "*.txt"): "no_match",
    })
    patterns = [src / "*", root / "folder.txt", root / "other" / "good1.txt",
                root / "nothing" / "*.txt"]
    return [str(p) for p in patterns], expected


def test_catalogue_folder_is_fully_accounted_for(tmp_path, model_dir, capsys):
    patterns, expected = _catalogue(tmp_path)
    out = tmp_path / "out"
    assert cli("--input", *patterns, "--output", out, "--published", PUBLISHED,
               model_dir=model_dir) == 0
    stdout = capsys.readouterr().out
    t = tables(out)
    got = {a["source"]: "ok" if a["status"] == "ok" else code(a["error"]) for a in t["articles"]}
    assert got == expected  # every input exactly once, with its reason
    n_ok = sum(1 for v in expected.values() if v == "ok")
    assert f"articles read: {len(expected)} (ok {n_ok}, dead-lettered {len(expected) - n_ok})" in stdout
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
        frames = tuple(_frame(p, *([("ARG0", p - 1, p - 1, "PAG")] if p else [])
                              + ([("ARG1", p + 1, n - 1, "PPT")] if p + 1 < n else []))
                       for p in range(0, n, 3))
        ents = tuple(Entity("PER", i, i) for i in range(1, n, 5))
        out.append(dataclasses.replace(_frames(*frames), entities=ents, covered=n))
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
            for row in decode_sentence(sent, frames, "m@1"):
                assert item.text[row["action_start"]:row["action_end"]]
                for role in row["roles"]:
                    assert item.text[role["start"]:role["end"]] == role["text"]


# -------------------------------------------------- operator mistakes


@pytest.mark.parametrize("weights, config, message", [
    (b"\x00garbage that is not safetensors", None, "model.safetensors is not a valid safetensors"),
    (None, b"{not json", "tagger_config.json is not valid"),
])
def test_corrupt_model_folder_is_one_line_exit_2(tmp_path, model_dir, capsys, weights, config,
                                                 message):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    if weights is not None:
        (folder / "model.safetensors").write_bytes(weights)
    if config is not None:
        (folder / "tagger_config.json").write_bytes(config)
    assert cli("--input", SEEDS, "--output", tmp_path / "o", model_dir=str(folder)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_truncated_weights_are_caught_before_the_run(tmp_path, model_dir, capsys):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    assert cli("--input", SEEDS, "--output", tmp_path / "o", model_dir=str(folder)) == 2
    assert "not a valid safetensors" in capsys.readouterr().err


def test_partitioned_and_unpartitioned_output_do_not_mix(tmp_path, model_dir, capsys):
    out = tmp_path / "o"
    (out / "events").mkdir(parents=True)
    (out / "events" / "part-00000-of-00001.parquet").write_bytes(b"")
    assert cli("--input", SEEDS, "--output", out, "--run-date", "2024-06-20",
               model_dir=model_dir) == 2
    assert "holds unpartitioned part files" in capsys.readouterr().err
    shutil.rmtree(out / "events")
    (out / "events" / "run_date=2024-06-20").mkdir(parents=True)
    assert cli("--input", SEEDS, "--output", out, model_dir=model_dir) == 2
    assert "partitioned by run date" in capsys.readouterr().err


def test_flags_as_airflow_writes_them():
    """BeamRunPythonPipelineOperator turns a list into repeated --key=value and
    True into a bare --key."""
    from pipeline.cli import build_parser
    from pipeline.config import config_from

    ns, beam_args = build_parser().parse_known_args(
        ["--runner=DirectRunner", "--input=a/*.txt", "--input=b/*.jsonl", "--output=out",
         "--run-date=2024-06-20", "--incremental", "--direct_num_workers=2"])
    cfg = config_from(ns)
    assert cfg.inputs == ["a/*.txt", "b/*.jsonl"]
    assert (cfg.run_date, cfg.incremental) == (dt.date(2024, 6, 20), True)
    assert beam_args == ["--runner=DirectRunner", "--direct_num_workers=2"]


def test_incremental_without_run_date_is_exit_2(tmp_path, model_dir, capsys):
    assert cli("--input", SEEDS, "--output", tmp_path / "o", "--incremental",
               model_dir=model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--incremental needs --run-date" in err[0]


# ------------------------------------------------------------ portability


def test_portable_runner_gives_the_same_rows_as_the_direct_runner(tmp_path, model_dir):
    """The job API that the Flink and Spark runners use, with an in-process
    job server and the SDK harness in this process (LOOPBACK)."""
    args = ["--input", SEEDS, "--published", PUBLISHED]
    assert cli(*args, "--output", tmp_path / "direct", model_dir=model_dir) == 0
    assert cli(*args, "--output", tmp_path / "portable", "--runner=PortableRunner",
               "--job_endpoint=embed", "--environment_type=LOOPBACK", model_dir=model_dir) == 0
    direct, portable = tables(tmp_path / "direct"), tables(tmp_path / "portable")
    assert direct["events"] and portable == direct


@pytest.mark.parametrize("args,spread", [
    ([], False), (["--runner=DirectRunner"], False), (["--direct_num_workers=1"], False),
    (["--direct_num_workers=2"], True), (["--direct_num_workers=0"], True),
    (["--runner=PortableRunner"], True), (["--runner=DataflowRunner"], True)])
def test_articles_are_spread_over_workers_only_when_there_are_several(args, spread):
    # a shuffle after reading parallelises a big JSON Lines file over workers;
    # on one local worker it would only hold the corpus in memory
    from apache_beam.options.pipeline_options import PipelineOptions

    assert several_workers(PipelineOptions(args)) is spread


@pytest.mark.parametrize("args,local", [
    ([], True), (["--runner=DirectRunner"], True), (["--runner=directrunner"], True),
    (["--direct_num_workers=2", "--direct_running_mode=multi_processing"], True),
    (["--runner=PortableRunner"], False), (["--runner=DataflowRunner"], False),
    (["--runner=FnApiRunner"], False)])  # named by the operator: Beam builds it as given
def test_local_runs_name_the_fnapi_runner(args, local):
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

    from pipeline.run import local_runner

    runner = local_runner(PipelineOptions(args))
    assert isinstance(runner, FnApiRunner) if local else runner is None


class SlowToPickle:
    """An element whose encoding runs Python code (the pickle fallback, as for
    a ``date`` or a dataclass): element 0 takes 1.5 s, longer than the 1 s
    between two timed flushes, so a timed flush lands between its header,
    already written, and its value."""

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        import time

        if self.i == 0:
            time.sleep(1.5)
        return (SlowToPickle, (self.i,))


def test_local_multi_threaded_runs_flush_output_streams_by_size_only():
    """``LocalFnApiRunner`` sets the embedded workers' timed flush out of play
    (the cause of the 10,000-article blow-up with two worker threads)."""
    import json

    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.portability import python_urns
    from apache_beam.transforms.environments import EmbeddedPythonGrpcEnvironment

    from pipeline.run import NO_TIMED_FLUSH_MS, _without_timed_flush, local_runner

    p = beam.Pipeline(options=PipelineOptions([]))
    _ = p | beam.Create([1, 2]) | beam.Map(str)
    proto = p.to_runner_api(default_environment=EmbeddedPythonGrpcEnvironment.default())
    assert _without_timed_flush(proto) >= 1
    configs = [json.loads(e.payload) for e in proto.components.environments.values()
               if e.urn == python_urns.EMBEDDED_PYTHON_GRPC]
    assert configs and all(c["data_buffer_time_limit_ms"] == NO_TIMED_FLUSH_MS for c in configs)
    runner = local_runner(PipelineOptions(["--direct_running_mode=multi_threading"]))
    assert "run_via_runner_api" in type(runner).__dict__  # the runner applies it


def test_two_worker_threads_deliver_every_element_whole():
    """Two worker threads, a stage whose elements take Python code to encode,
    and a ``Flatten`` that the runner materialises and deals out to both
    workers by chunks. With Beam's own FnApiRunner a timer thread flushed the
    output streams every second, here in the middle of element 0, and the
    halves went to different workers: "Error decoding input stream ... in
    step Flatten/Read" (at full size, garbage elements that grew memory
    without bound instead). Through ``local_runner`` every element arrives
    whole and exactly once."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.util import assert_that, equal_to

    from pipeline.run import local_runner

    n = 200
    options = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_threading"])
    with beam.Pipeline(runner=local_runner(options), options=options) as p:
        made = p | beam.Create(list(range(n))) | beam.Reshuffle() | beam.Map(SlowToPickle)
        both = (made, p | "Nothing" >> beam.Create([])) | beam.Flatten()
        assert_that(both | beam.Map(lambda s: s.i), equal_to(list(range(n))))


def test_a_local_run_does_not_try_to_download_prism(tmp_path, model_dir, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="apache_beam.runners.direct.direct_runner")
    caplog.set_level(logging.INFO, logger="apache_beam.runners.portability.prism_runner")
    assert cli("--input", SEEDS, "--output", tmp_path / "o", "--published", PUBLISHED,
               model_dir=model_dir) == 0
    assert not [r for r in caplog.records if "prism" in r.getMessage().lower()]
    assert tables(tmp_path / "o")["events"]


def test_windows_carry_each_words_vector_from_its_owning_window():
    """With in-context vectors (the event typer's), a merged long sentence has
    one vector per word, taken from the window that owns the word."""
    import numpy as np

    from pipeline.tagger.predictor import SentenceFrames

    def fake_predict(sentences):  # each word's vector: (window's first word, position)
        out = []
        for ws in sentences:
            vec = np.array([[int(ws[0]), k] for k in range(len(ws))], dtype=np.float16)
            out.append(SentenceFrames((), (), len(ws), vec))
        return out

    words = [str(i) for i in range(230)]
    merged = predict_windowed(fake_predict, words)
    own = owners(230, word_windows(230, 100))
    starts = [s for s, _ in word_windows(230, 100)]
    assert merged.word_vectors.shape == (230, 2)
    for w in range(230):
        assert merged.word_vectors[w].tolist() == [starts[own[w]], w - starts[own[w]]]
    # windows without vectors (the tagger run without a context layer) merge to None
    plain = predict_windowed(lambda ss: [SentenceFrames((), (), len(s)) for s in ss], words)
    assert plain.word_vectors is None


def test_a_model_folder_without_event_head_is_one_line_and_exit_2(tmp_path, model_dir, capsys):
    """--model DIR without event_head.*: the run would fail at classify; say so first,
    and how to get one, unless the event head is switched off."""
    bare = tmp_path / "model"
    bare.mkdir()
    for name in ("tagger_config.json", "model.safetensors"):
        shutil.copy(os.path.join(model_dir, name), bare)
    out = tmp_path / "out"
    assert cli("--input", SEEDS, "--output", out, model_dir=str(bare)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no event head" in err[0] and "--no-event-types" in err[0]
    assert cli("--input", SEEDS, "--output", out, "--no-event-types", model_dir=str(bare)) == 0
