"""Parquet sinks: real Beam pipelines (TestPipeline) writing real files."""
import datetime as dt
import os
import random

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.testing import test_pipeline

from pipeline.ops.tables import PART_FILE_RE, count_rows, head_rows, read_table
from pipeline.stages.write import WriteOutputs, WriteTable
from tests.tables import SORT_KEYS, rows_to_table, sort_rows
from schemas import ARTICLES, DEAD_LETTERS, EVENTS

SCHEMAS = {"events": EVENTS, "articles": ARTICLES, "dead_letters": DEAD_LETTERS}
PART = "part-00000-of-00001.parquet"


def event(article_id, sentence_index, action_start, **extra):
    row = {
        "event_id": f"{article_id}-{sentence_index}-{action_start}",
        "article_id": article_id,
        "sentence_index": sentence_index,
        "sentence": "Ministers will meet the union in Paris on Monday.",
        "action": "meet",
        "action_lemma": "meet",
        "action_start": action_start,
        "action_end": action_start + 4,
        "negated": False,
        "modality": "will",
        "who": "Ministers",
        "who_start": 0,
        "who_end": 9,
        "target": "the union",
        "target_start": 20,
        "target_end": 29,
        "object": None,
        "object_start": None,
        "object_end": None,
        "location": "in Paris",
        "location_start": 30,
        "location_end": 38,
        "location_name": "Paris",
        "location_country": "FRA",
        "location_lat": 48.85341,
        "location_lon": 2.3488,
        "roles": [
            {"label": "ARG0", "function": "PAG", "text": "Ministers",
             "start": 0, "end": 9, "score": 0.5},
            {"label": "ARGM-TMP", "function": None, "text": "on Monday",
             "start": 39, "end": 48, "score": 0.75},
        ],
        "date_text": "on Monday",
        "date": dt.date(2024, 5, 6),
        "date_precision": "day",
        "date_source": "text",
        "confidence": 0.625,
        "model": "srl@1.0",
        "who_resolved": "Ministers",
        "who_country": None,
        "target_resolved": None,
        "target_country": None,
        "who_actors": [{"text": "Ministers", "start": 0, "end": 9, "name": "Ministers",
                        "country": None, "sector": "GOV"}],
        "target_actors": [],
        "is_event": True,
        "event_score": 0.75,
        "event_type": "CONSULT",
        "event_type_score": 0.5,
        "factuality": "future",
        "coded": False,
        "event_cluster_id": None,
    }
    row.update(extra)
    return row


EVENT_ROWS = [
    event("b", 0, 15),
    event("a", 2, 3, roles=[], date=None, date_text=None, date_precision=None,
          date_source="none"),
    event("a", 0, 40),
    event("a", 0, 10, who=None, who_start=None, who_end=None),
    event("a", 10, 0),  # numeric, not lexicographic, sentence order
    event("c", 1, 5),
]
ARTICLE_ROWS = [
    {"article_id": "b", "source": "in/b.txt", "published": dt.date(2024, 5, 1),
     "title": "B", "url": None, "status": "ok", "n_sentences": 1,
     "n_events": 1, "error": None, "content_hash": "hb"},
    {"article_id": None, "source": "in/x.jsonl:3", "published": None,
     "title": None, "url": None, "status": "dead_letter", "n_sentences": 0,
     "n_events": 0, "error": "bad_json: line 3", "content_hash": None},
    {"article_id": "a", "source": "in/a.txt", "published": None,
     "title": "A", "url": "https://example.org/a", "status": "ok",
     "n_sentences": 11, "n_events": 4, "error": None, "content_hash": "ha"},
    {"article_id": None, "source": "in/x.jsonl:1", "published": None,
     "title": None, "url": None, "status": "dead_letter", "n_sentences": 0,
     "n_events": 0, "error": "bad_json: line 1", "content_hash": None},
]
DEAD_ROWS = [
    {"source": "in/x.jsonl:3", "article_id": None, "stage": "read",
     "reason": "bad_json: line 3", "excerpt": "{oops"},
    {"source": "in/e.txt", "article_id": None, "stage": "read",
     "reason": "empty: 0 bytes", "excerpt": ""},
    {"source": "in/x.jsonl:1", "article_id": None, "stage": "read",
     "reason": "bad_json: line 1", "excerpt": "{"},
    {"source": "in/e.txt", "article_id": "e", "stage": "decode",
     "reason": "undecodable: byte 0xff", "excerpt": "\\xff"},
]
INPUT = {"events": EVENT_ROWS, "articles": ARTICLE_ROWS,
         "dead_letters": DEAD_ROWS}


def shuffled(rows, seed):
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


def expected(table):
    return sorted(INPUT[table], key=SORT_KEYS[table] if table != "articles"
                  else lambda r: (r["article_id"] is not None,
                                  r["article_id"] or "", r["source"]))


def run_outputs(out_dir, data, num_shards=0):
    with test_pipeline.TestPipeline() as p:
        pcolls = {name: p | f"Create_{name}" >> beam.Create(rows, reshuffle=True)
                  for name, rows in data.items()}
        pcolls | WriteOutputs(str(out_dir), num_shards=num_shards)


def listing(out_dir):
    return {table: sorted(os.listdir(out_dir / table))
            for table in sorted(os.listdir(out_dir))}


def rows_of(out_dir, table):
    """All rows of a table, in the documented reading order (files hold them
    in processing order)."""
    return sort_rows(read_table(str(out_dir), table).to_pylist(), SORT_KEYS[table])


def test_rows_come_back_with_schema(tmp_path):
    run_outputs(tmp_path, {k: shuffled(v, 1) for k, v in INPUT.items()})

    for table, schema in SCHEMAS.items():
        files = os.listdir(tmp_path / table)
        assert files and all(PART_FILE_RE.match(f) for f in files), files
        assert rows_of(tmp_path, table) == expected(table), table
        got = read_table(str(tmp_path), table)
        assert got.schema.equals(schema, check_metadata=True), table
        for name in files:
            file_schema = pq.read_schema(tmp_path / table / name)
            assert file_schema.equals(schema, check_metadata=True), table
            for f in schema:
                assert (file_schema.field(f.name).metadata[b"description"]
                        == f.metadata[b"description"])
    name = sorted(os.listdir(tmp_path / "events"))[0]
    roles = pq.read_schema(tmp_path / "events" / name).field("roles").type
    assert roles.value_type.field("label").metadata[b"description"]

    # offsets and the null date survive; the reading order is numeric by sentence
    events = rows_of(tmp_path, "events")
    assert [(e["article_id"], e["sentence_index"], e["action_start"])
            for e in events] == [("a", 0, 10), ("a", 0, 40), ("a", 2, 3),
                                 ("a", 10, 0), ("b", 0, 15), ("c", 1, 5)]
    assert events[2]["date"] is None and events[2]["roles"] == []
    assert events[0]["who"] is None
    e = events[1]
    assert e["sentence"][e["who_start"]:e["who_end"]] == e["who"]


def test_rows_are_written_in_the_order_they_come(tmp_path):
    # one bundle (no reshuffle): the file keeps the processing order, unsorted
    rows = shuffled(EVENT_ROWS, 7)
    with test_pipeline.TestPipeline() as p:
        p | beam.Create(rows) | WriteTable(str(tmp_path), "events", EVENTS)
    assert os.listdir(tmp_path / "events") == [PART]
    assert read_table(str(tmp_path), "events").to_pylist() == rows


def test_empty_events_give_an_empty_table_with_the_schema(tmp_path):
    run_outputs(tmp_path, {"events": [], "articles": ARTICLE_ROWS,
                           "dead_letters": []})
    assert listing(tmp_path)["events"] == [PART]
    for table in ("events", "dead_letters"):
        got = read_table(str(tmp_path), table)
        assert got.num_rows == 0
        assert got.schema.equals(SCHEMAS[table], check_metadata=True)
        assert pq.read_schema(tmp_path / table / PART).equals(
            SCHEMAS[table], check_metadata=True)
    assert read_table(str(tmp_path), "articles").num_rows == len(ARTICLE_ROWS)


def test_missing_table_is_written_empty(tmp_path):
    run_outputs(tmp_path, {"dead_letters": DEAD_ROWS})
    assert sorted(listing(tmp_path)) == ["articles", "dead_letters", "event_clusters", "events"]
    assert listing(tmp_path)["events"] == [PART]
    assert read_table(str(tmp_path), "events").num_rows == 0
    assert rows_of(tmp_path, "dead_letters") == expected("dead_letters")


def test_rerun_into_same_folder_replaces_files(tmp_path):
    run_outputs(tmp_path, {k: shuffled(v, 2) for k, v in INPUT.items()})
    first_rows = {t: rows_of(tmp_path, t) for t in SCHEMAS}

    run_outputs(tmp_path, {k: shuffled(v, 3) for k, v in INPUT.items()})
    for table in SCHEMAS:  # the same rows, none twice
        assert rows_of(tmp_path, table) == first_rows[table] == expected(table)


def test_rerun_with_fewer_shards_removes_stale_parts(tmp_path):
    run_outputs(tmp_path, INPUT, num_shards=3)
    assert listing(tmp_path)["events"] == [f"part-0000{i}-of-00003.parquet" for i in range(3)]
    # the union of the shards is the input, nothing duplicated
    assert rows_of(tmp_path, "events") == expected("events")

    run_outputs(tmp_path, INPUT, num_shards=1)
    assert listing(tmp_path)["events"] == [PART]
    assert rows_of(tmp_path, "events") == expected("events")


def test_write_table_any_table_and_schema(tmp_path):
    schema = pa.schema([pa.field("k", pa.int32()), pa.field("v", pa.string())])
    rows = [{"k": 2, "v": "b"}, {"k": None, "v": "z"}, {"v": "y"}]  # a missing key is a null
    with test_pipeline.TestPipeline() as p:
        p | beam.Create(rows) | WriteTable(str(tmp_path), "custom", schema)
    assert os.listdir(tmp_path / "custom") == [PART]
    assert read_table(str(tmp_path), "custom").to_pylist() == [
        {"k": 2, "v": "b"}, {"k": None, "v": "z"}, {"k": None, "v": "y"}]


def test_unknown_column_fails_the_pipeline(tmp_path):
    bad = dict(DEAD_ROWS[0], bogus=1)
    with pytest.raises(Exception, match="unknown column"):
        run_outputs(tmp_path, {"dead_letters": [bad]})


def test_null_in_required_column_fails_the_pipeline(tmp_path):
    bad = dict(DEAD_ROWS[0], stage=None)
    with pytest.raises(Exception, match="'stage' is not nullable"):
        run_outputs(tmp_path, {"dead_letters": [bad]})


def test_read_table_without_files_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_table(str(tmp_path), "events")


def test_rows_to_table_and_sort_rows_without_beam():
    rows = sort_rows(shuffled(EVENT_ROWS, 4), SORT_KEYS["events"])
    assert rows == expected("events")
    table = rows_to_table(rows, EVENTS, "events")
    assert table.schema.equals(EVENTS, check_metadata=True)
    assert table.to_pylist() == rows
    assert rows_to_table([], EVENTS).num_rows == 0
    # the helper checks with the sink's own check: its errors are the run's
    with pytest.raises(ValueError, match="dead_letters: column 'stage' is not nullable"):
        rows_to_table([{"source": "s"}], DEAD_LETTERS, "dead_letters")
    with pytest.raises(ValueError, match=r"events: unknown column\(s\) \['bogus'\]"):
        rows_to_table([dict(EVENT_ROWS[0], bogus=1)], EVENTS, "events")


def test_count_rows_and_head_rows_read_only_what_they_need(tmp_path):
    run_outputs(tmp_path, INPUT, num_shards=2)  # two files per table
    assert count_rows(str(tmp_path), "events") == len(EVENT_ROWS)
    assert count_rows(str(tmp_path), "dead_letters") == len(DEAD_ROWS)
    everything = read_table(str(tmp_path), "events").to_pylist()  # file order
    head = head_rows(str(tmp_path), "events", 4, columns=["event_id", "who"])
    assert head == [{"event_id": r["event_id"], "who": r["who"]} for r in everything[:4]]
    assert len(head_rows(str(tmp_path), "events", 100)) == len(EVENT_ROWS)
