"""The Parquet schemas: descriptions, key types, Markdown rendering, and that
the rows the pipeline builds and writes are the schemas' columns."""
import dataclasses
import datetime as dt

import pyarrow as pa
import pytest

import schemas
from schemas import ARTICLES, DEAD_LETTERS, EVENT_CLUSTERS, EVENTS, markdown_table

ALL = {"events": EVENTS, "articles": ARTICLES, "dead_letters": DEAD_LETTERS,
       "event_clusters": EVENT_CLUSTERS}


def full_event_row(**overrides):
    row = {
        "event_id": "3f2a9c",
        "article_id": "a1",
        "sentence_index": 0,
        "sentence": "Russia would not rule out talks with Kyiv in Geneva.",
        "action": "rule out",
        "action_lemma": "rule out",
        "action_start": 17,
        "action_end": 25,
        "negated": True,
        "modality": "would",
        "who": "Russia",
        "who_start": 0,
        "who_end": 6,
        "target": "talks with Kyiv",
        "target_start": 26,
        "target_end": 41,
        "object": None,
        "object_start": None,
        "object_end": None,
        "location": "in Geneva",
        "location_start": 42,
        "location_end": 51,
        "location_name": "Geneva",
        "location_country": "CHE",
        "location_lat": 46.20222,
        "location_lon": 6.14569,
        "roles": [
            {"label": "ARG0", "function": "PAG", "text": "Russia",
             "start": 0, "end": 6, "score": 0.98},
            {"label": "ARGM-MOD", "function": None, "text": "would",
             "start": 7, "end": 12, "score": 0.99},
        ],
        "date_text": None,
        "date": None,
        "date_precision": None,
        "date_source": "none",
        "confidence": 0.9,
        "model": "srl@1.0",
        "who_actors": [{"text": "Russia", "start": 0, "end": 6, "name": "Russia",
                        "country": "RUS", "sector": "GOV"}],
        "target_actors": [],
        "event_cluster_id": None,
    }
    row.update(overrides)
    return row


def full_event(**overrides):
    """The ``Event`` (pipeline.records) behind ``full_event_row``, every written
    field set, with floats that float32 keeps exactly."""
    from pipeline.records import Actor, Event, Role

    row = full_event_row(confidence=0.875, date=dt.date(2024, 3, 1), date_precision="month",
                         date_text="in March", date_source="text")
    roles = tuple(Role(**dict(r, score=0.5)) for r in row.pop("roles"))
    who_actors = tuple(Actor(**a) for a in row.pop("who_actors"))
    target_actors = tuple(Actor(**a) for a in row.pop("target_actors"))
    event = Event(**row, roles=roles, who_actors=who_actors, target_actors=target_actors,
                  factuality="negated", who_resolved="Russia",
                  who_country="RUS", target_resolved="Ukraine", target_country="UKR",
                  is_event=True, event_score=0.75, event_type="REJECT",
                  event_type_score=0.625, coded=False)
    return dataclasses.replace(event, **overrides)


def test_the_sink_writes_these_schemas_each_described():
    from pipeline.stages.write import TABLES

    assert list(schemas.TABLES) == list(TABLES) == [
        "events", "articles", "dead_letters", "event_clusters"]
    for name, schema in TABLES.items():
        assert schema.equals(ALL[name], check_metadata=True), name
        assert schema.metadata[schemas.DESCRIPTION_KEY].strip(), name


def test_events_columns_are_the_written_fields_of_an_event():
    """The rows stage writes an ``Event``'s fields by the schema's names: every
    column must be a field, and every field but the working state a column."""
    from pipeline.records import Event
    from pipeline.stages.rows import event_row

    fields = [f.name for f in dataclasses.fields(Event)]
    assert set(EVENTS.names) <= set(fields), set(EVENTS.names) - set(fields)
    assert set(fields) - set(EVENTS.names) == {"date_candidates", "tense", "head_features", "head_context"}
    assert list(event_row(full_event())) == EVENTS.names


def test_article_and_dead_letter_rows_have_the_schemas_columns():
    from pipeline.records import Article, DeadLetter
    from pipeline.stages.rows import article_row, dead_article_row, dead_letter_row

    article = Article("a1", "in/a1.txt", "Text.", dt.date(2024, 6, 20), "T", None, "ab" * 32)
    letter = DeadLetter("in/a1.txt", "read", "empty: 0 bytes", "a1", "")
    assert list(article_row(article, 1, 0, [])) == ARTICLES.names
    assert list(dead_article_row(letter)) == ARTICLES.names
    assert list(dead_letter_row(letter)) == DEAD_LETTERS.names


def test_an_event_comes_back_whole_from_the_sink_with_the_schema(tmp_path):
    """``event_row`` -> the sink (``WriteTable``, as a run writes) -> Parquet ->
    read back: the same row, and the file's schema is ``EVENTS`` with every
    description, nested ones included."""
    import apache_beam as beam
    import pyarrow.parquet as pq
    from apache_beam.testing.test_pipeline import TestPipeline

    from pipeline.ops.tables import part_files, read_table
    from pipeline.stages.rows import event_row
    from pipeline.stages.write import WriteTable

    row = event_row(full_event())
    with TestPipeline() as p:
        _ = p | beam.Create([row]) | WriteTable(str(tmp_path), "events", EVENTS)
    (path,) = part_files(str(tmp_path), "events")
    stored = pq.read_schema(path)
    assert stored.equals(EVENTS, check_metadata=True)
    assert [(name, schemas.description(f)) for name, f in schemas.iter_fields(stored)] == [
        (name, schemas.description(f)) for name, f in schemas.iter_fields(EVENTS)]
    got = read_table(str(tmp_path), "events")
    assert got.schema.equals(EVENTS, check_metadata=True)
    assert got.to_pylist() == [row]


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_field_has_a_description(name):
    paths = list(schemas.iter_fields(ALL[name]))
    assert len(paths) >= len(ALL[name])
    for path, f in paths:
        assert f.metadata and f.metadata.get(b"description", b"").strip(), path
        assert schemas.description(f).strip(), path


def test_events_columns_in_order():
    assert EVENTS.names == [
        "event_id", "article_id", "sentence_index", "sentence", "action",
        "action_lemma", "action_start", "action_end", "negated", "modality",
        "who", "who_start", "who_end", "target", "target_start", "target_end",
        "object", "object_start", "object_end", "location", "location_start",
        "location_end", "location_name", "location_country", "location_lat",
        "location_lon", "roles", "date_text", "date", "date_precision",
        "date_source", "confidence", "model", "who_resolved", "who_country",
        "target_resolved", "target_country", "who_actors", "target_actors",
        "is_event", "event_score", "event_type",
        "event_type_score", "factuality", "coded", "event_cluster_id"]
    assert "run_date" not in EVENTS.names


def test_events_key_types():
    assert EVENTS.field("date").type == pa.date32()
    assert EVENTS.field("date").nullable
    for name in EVENTS.names:
        if name.endswith("_start") or name.endswith("_end"):
            assert EVENTS.field(name).type == pa.int32(), name
    assert EVENTS.field("sentence_index").type == pa.int32()
    assert EVENTS.field("negated").type == pa.bool_()
    assert EVENTS.field("confidence").type == pa.float32()
    for name in ("who", "who_start", "target", "object", "location",
                 "modality", "date_text", "date_precision"):
        assert EVENTS.field(name).nullable, name
    roles = EVENTS.field("roles").type
    assert pa.types.is_list(roles)
    item = roles.value_type
    assert pa.types.is_struct(item)
    assert [item.field(i).name for i in range(item.num_fields)] == [
        "label", "function", "text", "start", "end", "score"]
    assert item.field("start").type == pa.int32()
    assert item.field("end").type == pa.int32()
    assert item.field("score").type == pa.float32()
    assert item.field("function").nullable


def test_articles_and_dead_letters_types():
    assert ARTICLES.field("published").type == pa.date32()
    assert ARTICLES.field("n_sentences").type == pa.int32()
    assert ARTICLES.field("n_events").type == pa.int32()
    assert ARTICLES.field("article_id").nullable
    assert not ARTICLES.field("source").nullable
    assert DEAD_LETTERS.names == ["source", "article_id", "stage", "reason",
                                  "excerpt"]
    assert all(f.type == pa.string() for f in DEAD_LETTERS)


@pytest.mark.parametrize("name", sorted(ALL))
def test_markdown_table_lists_every_column(name):
    md = markdown_table(ALL[name])
    lines = md.strip().splitlines()
    assert lines[0] == "| column | type | description |"
    for f in ALL[name]:
        assert f"`{f.name}`" in md
        assert schemas.description(f) in md.replace("\\|", "|")
    # one row per (nested) field, and every row has three cells
    assert len(lines) == 2 + len(list(schemas.iter_fields(ALL[name])))
    for line in lines[2:]:
        assert line.replace("\\|", "").count("|") == 4, line


def test_markdown_table_types_and_nested_rows():
    md = markdown_table(EVENTS, title="events")
    assert md.startswith("### events")
    assert "| `date` | date32, nullable |" in md
    assert "| `roles` | list<struct> |" in md
    assert "| `roles[].label` | string |" in md
    assert "| `roles[].score` | float32 |" in md


def test_full_event_row_round_trips_through_arrow():
    row = full_event_row()
    table = pa.Table.from_pylist([row], schema=EVENTS)
    assert table.schema.equals(EVENTS, check_metadata=True)
    (back,) = table.to_pylist()
    assert back["date"] is None
    assert back["roles"][0] == {**row["roles"][0], "score": pytest.approx(0.98)}
    assert back["roles"][1]["function"] is None
    assert back["who"] == row["sentence"][back["who_start"]:back["who_end"]]
    dated = pa.Table.from_pylist(
        [full_event_row(date=dt.date(2024, 3, 1), date_precision="month")],
        schema=EVENTS)
    assert dated.column("date").to_pylist() == [dt.date(2024, 3, 1)]


def test_field_helper_rejects_missing_description():
    with pytest.raises(ValueError):
        schemas.field("x", pa.string(), "  ")
