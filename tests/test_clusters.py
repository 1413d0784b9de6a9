"""One event, many reports (docs/EVENTS.md): the rule without Beam
(``pipeline.nlp.events.clusters``), the cluster stage and the parted sink on
hand-made rows, and the real pipeline on tests/data/clusters/: one shelling told
by three articles, and another shelling and an accusation between the same sides."""
import datetime as dt
import itertools
import os
from dataclasses import replace

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.nlp.events import clusters as C
from pipeline.nlp.events.clusters import Telling, cluster_all, cluster_block, content_words

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "clusters")
D = dt.date


def telling(eid, article, sentence, *, lemma="shell", action="shelled", date=D(2024, 6, 19),
            precision="day", who=("RUS", "MIL"), target=(None, None), published=D(2024, 6, 20),
            index=0, etype="ASSAULT"):
    return Telling(eid, article, index, etype, lemma, C.context_words(sentence, action), date,
                   precision, who[0], who[1], target[0], target[1], published)


SHELLING = [
    telling("e1", "kyiv", "Russian forces shelled Kharkiv on Wednesday, killing three civilians."),
    telling("e2", "wire", "The Russian army shelled the city of Kharkiv on Wednesday.",
            who=("RUS", None)),
    telling("e3", "paper", "Russian troops shelled Kharkiv on Wednesday, leaving three dead.",
            published=D(2024, 6, 21), target=("UKR", None)),
]


def ids(clusters):
    return sorted(sorted(t.event_id for t in c) for c in clusters)


# ------------------------------------------------------------------ the rule


def test_a_date_matches_the_days_its_precision_covers():
    assert C.date_span(D(2024, 6, 17), "week") == (D(2024, 6, 17), D(2024, 6, 23))
    assert C.date_span(D(2024, 2, 1), "month") == (D(2024, 2, 1), D(2024, 2, 29))
    assert C.date_span(D(2024, 1, 1), "year") == (D(2024, 1, 1), D(2024, 12, 31))
    day = SHELLING[0]
    for date, precision, same in [(D(2024, 6, 17), "week", True), (D(2024, 6, 10), "week", False),
                                  (D(2024, 6, 1), "month", True), (D(2024, 1, 1), "year", True),
                                  (D(2024, 6, 20), "day", False), (None, None, False)]:
        other = replace(SHELLING[1], date=date, precision=precision)
        assert (len(cluster_all([day, other])) == 1) is same, (date, precision)


def test_a_cluster_keeps_the_intersection_of_its_dates():
    """"In June" may join the 3rd or the 20th, but cannot glue them together."""
    june = replace(SHELLING[1], date=D(2024, 6, 1), precision="month")
    third = replace(SHELLING[0], date=D(2024, 6, 3))
    twentieth = replace(SHELLING[2], date=D(2024, 6, 20))
    assert ids(cluster_all([june, third, twentieth])) == [["e1", "e2"], ["e3"]]
    row = C.cluster_row(next(c for c in cluster_all([june, third]) if len(c) == 2))
    assert (row["date"], row["date_precision"]) == (D(2024, 6, 3), "day")


def test_a_week_over_new_year_is_one_block():
    assert C.date_bucket(D(2024, 12, 30), "week") == 2025  # its Thursday is 2 January
    assert C.date_bucket(D(2025, 1, 2), "day") == 2025
    assert C.date_bucket(D(2024, 12, 1), "month") == 2024 and C.date_bucket(None, None) is None


def test_three_tellings_are_one_event_whatever_their_order():
    other_day = telling("e4", "weekly", "Russian forces shelled Kharkiv again on Saturday.",
                        date=D(2024, 6, 22), published=D(2024, 6, 24))
    accusation = telling("e5", "kyiv", "Ukraine accused Russia of targeting civilians.",
                         lemma="accuse", action="accused", etype="ACCUSE", who=("UKR", "GOV"), index=2,
                         target=("RUS", "GOV"))
    tellings = SHELLING + [other_day, accusation]
    expected = [["e1", "e2", "e3"], ["e4"], ["e5"]]
    seen = set()
    for order in itertools.permutations(tellings):
        got = cluster_all(order)
        assert ids(got) == expected
        seen.add(tuple(sorted(C.cluster_id(c) for c in got)))
    assert len(seen) == 1  # the same ids, whatever the order
    three = next(c for c in cluster_all(tellings) if len(c) == 3)
    # the id is the earliest member's: published first (e1 and e2 on the 20th), then event_id
    assert C.earliest(three).event_id == "e1"
    assert C.cluster_id(three) == C.cluster_id([three[0]]) != C.cluster_id([tellings[1]])


def test_unknown_actors_join_but_never_glue_two_countries():
    russian, unknown = SHELLING[0], replace(SHELLING[1], who_country=None, who_sector=None)
    ukrainian = replace(SHELLING[2], who_country="UKR")
    # the unknown one joins the Russian telling; the Ukrainian one stays apart
    assert ids(cluster_all([russian, unknown, ukrainian])) == [["e1", "e2"], ["e3"]]
    assert ids(cluster_all([unknown, ukrainian])) == [["e2", "e3"]]
    # sectors: GOV and MIL never share a cluster, an unknown sector joins either
    gov = replace(SHELLING[0], who_sector="GOV")
    assert ids(cluster_all([gov, SHELLING[1], SHELLING[2]])) == [["e1", "e2"], ["e3"]]


def test_two_cities_are_two_events_a_country_and_its_city_one():
    kharkiv = [replace(t, place="Kharkiv", place_country="UKR") for t in SHELLING]
    bakhmut = replace(SHELLING[1], place="Bakhmut", place_country="UKR")
    ukraine = replace(SHELLING[2], place="Ukraine", place_country="UKR")
    # same words, same day, same actors: the places keep Kharkiv and Bakhmut apart
    assert ids(cluster_all([kharkiv[0], bakhmut, kharkiv[2]])) == [["e1", "e3"], ["e2"]]
    # a country and a city in it, or an unknown place, do not
    assert ids(cluster_all([kharkiv[0], SHELLING[1], ukraine])) == [["e1", "e2", "e3"]]
    # "Ukraine" may join either city's cluster, never glue the two
    got = ids(cluster_all([ukraine, kharkiv[0], bakhmut]))
    assert len(got) == 2 and not any({"e1", "e2"} <= set(c) for c in got)


def test_text_must_be_alike_and_the_verb_the_same():
    unrelated = telling("e9", "other", "Russian artillery shelled positions near Bakhmut "
                        "overnight, the army's general staff reported.")
    assert ids(cluster_all(SHELLING[:1] + [unrelated])) == [["e1"], ["e9"]]
    struck = replace(SHELLING[1], lemma="strike")
    assert ids(cluster_all([SHELLING[0], struck])) == [["e1"], ["e2"]]
    # two predicates of one sentence are two events
    twin = replace(SHELLING[1], article_id="kyiv", sentence_index=0)
    assert ids(cluster_block([SHELLING[0], twin])) == [["e1"], ["e2"]]


def test_content_words_and_cosine():
    assert content_words("Two top leaders were arrested in Canada's west on Monday.") == {
        "top", "leader", "arrest", "canada", "west"}
    a, b = content_words("Police arrested two men"), content_words("Two men were arrested")
    assert C.cosine(a, b) == pytest.approx(2 / (3 ** 0.5 * 2 ** 0.5))
    assert C.cosine(a, frozenset()) == 0.0
    # the predicate is compared as a lemma, not as a word of the context
    assert C.context_words("Police arrested two men", "arrested") == {"police", "man"}


def test_a_row_is_read_with_its_first_actor():
    row = {"event_id": "x", "article_id": "a", "sentence_index": 1, "event_type": "ASSAULT",
           "action": "shelled", "action_lemma": "shell",
           "sentence": "Russia and Belarus shelled Kharkiv.",
           "date": D(2024, 6, 19), "date_precision": "day", "who_country": "RUS",
           "who_actors": [{"text": "Russia", "country": None, "sector": "GOV"},
                          {"text": "Belarus", "country": "BLR", "sector": None}],
           "target_country": "UKR", "target_actors": []}
    t = C.telling_from_row(row, D(2024, 6, 20))
    assert (t.who_country, t.who_sector, t.target_country, t.target_sector) == (
        "RUS", "GOV", "UKR", None)  # the first actor's sector, its country from who_country
    assert t.published == D(2024, 6, 20) and t.row is row


def test_cluster_row_counts_mentions_articles_and_publication_dates():
    twice = replace(SHELLING[0], event_id="e0", sentence_index=3)  # the same article again
    row = C.cluster_row(cluster_all(SHELLING + [twice])[0])
    assert (row["n_mentions"], row["n_articles"]) == (4, 3)
    assert (row["first_seen"], row["last_seen"]) == (D(2024, 6, 20), D(2024, 6, 21))
    assert (row["who_country"], row["who_sector"], row["target_country"]) == ("RUS", "MIL", "UKR")
    assert row["event_id"] == "e0" and row["event_cluster_id"] == C.cluster_id([twice])


def test_a_cluster_row_is_a_row_of_the_table():
    from schemas import EVENT_CLUSTERS
    from tests.tables import rows_to_table

    rows = [C.cluster_row(c) for c in cluster_all(SHELLING)]
    assert [list(r) for r in rows] == [EVENT_CLUSTERS.names]
    assert rows_to_table(rows, EVENT_CLUSTERS, "event_clusters").num_rows == 1


# ------------------------------------------------------------- the stage and the sink


def _row(eid, article, coded, sentence, lemma="shell", date=D(2024, 6, 19)):
    return {"event_id": eid, "article_id": article, "sentence_index": 0, "sentence": sentence,
            "action": lemma + "ed", "action_lemma": lemma, "coded": coded,
            "event_type": "ASSAULT" if coded else "OTHER", "date": date,
            "date_precision": "day", "who": "Russian forces", "who_resolved": None,
            "who_country": "RUS", "target": "Kharkiv", "target_resolved": None,
            "target_country": None, "who_actors": [], "target_actors": [],
            "event_cluster_id": None}


def test_the_stage_clusters_coded_rows_and_passes_the_others():
    from pipeline.stages.cluster import ClusterEvents

    text = "Russian forces shelled Kharkiv on Wednesday, killing three civilians."
    events = [_row("a1", "a", True, text), _row("b1", "b", True, text),
              _row("b2", "b", False, "Officials said the city was calm."),
              _row("c1", "c", True, text, date=D(2024, 6, 22))]
    articles = [{"article_id": a, "published": D(2024, 6, 20) if a != "c" else None}
                for a in "abc"] + [{"article_id": None, "published": None}]
    cid = C.cluster_id([replace(C.telling_from_row(events[0]), published=D(2024, 6, 20))])
    with test_pipeline.TestPipeline() as p:
        out = ({"events": p | "E" >> beam.Create(events, reshuffle=True),
                "articles": p | "A" >> beam.Create(articles)} | ClusterEvents())
        rows = out["events"] | beam.Flatten()
        assert_that(rows | beam.Map(lambda r: (r["event_id"], r["event_cluster_id"] is not None)),
                    equal_to([("a1", True), ("b1", True), ("b2", False), ("c1", True)]),
                    label="ids")
        assert_that(rows | "Same" >> beam.Map(lambda r: (r["event_id"], r["event_cluster_id"]))
                    | beam.Filter(lambda kv: kv[0] in ("a1", "b1")),
                    equal_to([("a1", cid), ("b1", cid)]), label="shared")
        assert_that(out["event_clusters"][0] | beam.Map(
            lambda r: (r["n_mentions"], r["n_articles"], r["first_seen"], r["date"])),
            equal_to([(2, 2, D(2024, 6, 20), D(2024, 6, 19)), (1, 1, None, D(2024, 6, 22))]),
            label="clusters")


def test_a_table_in_parts_is_one_numbering_without_empty_files(tmp_path):
    from pipeline.ops.tables import read_table
    from pipeline.stages.write import WriteTable
    from schemas import EVENT_CLUSTERS

    def cluster(i):
        return {"event_cluster_id": f"c{i}", "event_type": "ASSAULT", "event_id": f"e{i}",
                "article_id": "a", "action": "shelled", "sentence": "s", "n_mentions": 1,
                "n_articles": 1}

    with test_pipeline.TestPipeline() as p:
        parts = (p | "One" >> beam.Create([cluster(1), cluster(2)]),
                 p | "None" >> beam.Create([]), p | "Two" >> beam.Create([cluster(3)]))
        parts | WriteTable(str(tmp_path), "event_clusters", EVENT_CLUSTERS)
    assert sorted(os.listdir(tmp_path / "event_clusters")) == [
        "part-00000-of-00002.parquet", "part-00001-of-00002.parquet"]  # no _partN left
    assert [r["event_cluster_id"] for r in read_table(str(tmp_path), "event_clusters")
            .to_pylist()] == ["c1", "c2", "c3"]
    # all parts empty: one empty file keeps the schema
    with test_pipeline.TestPipeline() as p:
        (p | "A" >> beam.Create([]), p | "B" >> beam.Create([])) | WriteTable(
            str(tmp_path), "event_clusters", EVENT_CLUSTERS)
    assert os.listdir(tmp_path / "event_clusters") == ["part-00000-of-00001.parquet"]
    assert pq.read_schema(tmp_path / "event_clusters" / "part-00000-of-00001.parquet").equals(
        EVENT_CLUSTERS, check_metadata=True)


# ----------------------------------------------------------- the real pipeline


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, model_dir):
    from pipeline.config import RunConfig
    from pipeline.ops.tables import read_table
    from pipeline.run import run

    out = tmp_path_factory.mktemp("clusters_out")
    accounts = run(RunConfig(inputs=[os.path.join(CORPUS, "*.txt")], output=str(out),
                             model=model_dir, threads=1))
    return (accounts, read_table(str(out), "events").to_pylist(),
            read_table(str(out), "event_clusters").to_pylist())


def _one(events, article, action):
    found = [e for e in events if e["article_id"] == article and e["action"] == action]
    assert len(found) == 1, [(e["article_id"], e["action"]) for e in events]
    return found[0]


def test_three_articles_tell_one_shelling(corpus_run):
    accounts, events, clusters = corpus_run
    told = [_one(events, a, "shelled") for a in ("kyiv-post", "wire", "evening-paper")]
    assert all(e["coded"] and e["event_type"] == "ASSAULT" for e in told)
    cid = told[0]["event_cluster_id"]
    assert cid and all(e["event_cluster_id"] == cid for e in told)
    # Saturday's shelling, between the same sides, and Kyiv's accusation are other events
    again = _one(events, "weekly", "shelled")
    accused = _one(events, "kyiv-post", "accused")
    assert again["date"] == D(2024, 6, 22) and accused["event_type"] == "ACCUSE"
    assert len({cid, again["event_cluster_id"], accused["event_cluster_id"]}) == 3
    assert None not in (again["event_cluster_id"], accused["event_cluster_id"])

    by_id = {c["event_cluster_id"]: c for c in clusters}
    shelling = by_id[cid]
    assert (shelling["n_mentions"], shelling["n_articles"]) == (3, 3)
    assert (shelling["first_seen"], shelling["last_seen"]) == (D(2024, 6, 20), D(2024, 6, 21))
    assert (shelling["event_type"], shelling["date"], shelling["date_precision"],
            shelling["who_country"]) == ("ASSAULT", D(2024, 6, 19), "day", "RUS")
    assert shelling["event_id"] in {e["event_id"] for e in told}
    assert shelling["action"] == "shelled" and "Kharkiv" in shelling["sentence"]
    assert (by_id[again["event_cluster_id"]]["n_articles"],
            by_id[again["event_cluster_id"]]["first_seen"]) == (1, D(2024, 6, 24))


def test_every_coded_row_and_only_those_has_a_cluster(corpus_run):
    accounts, events, clusters = corpus_run
    assert all((e["event_cluster_id"] is not None) == e["coded"] for e in events)
    assert sum(c["n_mentions"] for c in clusters) == sum(e["coded"] for e in events)
    assert accounts.clusters == len(clusters) == len({e["event_cluster_id"] for e in events
                                                      if e["coded"]})
    assert len(clusters) < sum(e["coded"] for e in events)  # one event, many reports
