"""One event, many reports: the coded rows that tell one event get one ``event_cluster_id``.

One job, after ``rows`` and before ``write``: the events rows are split in two.

* Rows that are not coded pass straight on to the sink, ``event_cluster_id`` null,
  in the same fused stage as the rest of the pipeline: the bulk of the events
  table still streams (the sink writes the two parts side by side, see
  ``pipeline/stages/write.py``).
* Coded rows are joined with their article's publication date (``CoGroupByKey``
  on ``article_id`` with the articles rows), keyed by the rule's blocking key
  (``nlp.events.clusters.blocking_key``: type, date bucket, who and target
  country), grouped (``GroupByKey``), and clustered block by block
  (``cluster_block``). Each comes out with its cluster's id; each cluster also
  becomes one ``event_clusters`` row.

Only the coded rows (and one ``(article_id, published)`` pair per article) are
shuffled. Nothing here keeps state between elements, and a block's clusters
depend on its rows alone, not on their order, so any runner gives the same ids.
"""
from __future__ import annotations

import json
from typing import Iterable, Tuple

import apache_beam as beam

from pipeline.nlp.events.clusters import (
    blocking_key, cluster_block, cluster_id, cluster_row, telling_from_row)

CODED = "coded"
CLUSTERS = "event_clusters"


def split_coded(row: dict):
    """Coded rows to ``coded`` (keyed by article), the others on unchanged."""
    if row.get("coded"):
        yield beam.pvalue.TaggedOutput(CODED, (row["article_id"], row))
    else:
        yield row


def published_of(article: dict):
    """``(article_id, published)`` of an articles row that has an id."""
    if article.get("article_id") is not None:
        yield article["article_id"], article.get("published")


def to_blocks(joined: Tuple[str, dict]) -> Iterable[Tuple[str, Tuple[dict, object]]]:
    """``(article_id, {"rows": [...], "published": [...]})`` -> ``(block, (row,
    published))`` for each coded row. The block is the blocking key as JSON text
    (a deterministic key for any runner's shuffle)."""
    _, grouped = joined
    dates = [d for d in grouped["published"] if d is not None]
    published = min(dates) if dates else None
    for row in grouped["rows"]:
        yield json.dumps(list(blocking_key(telling_from_row(row)))), (row, published)


def cluster_rows(block: Tuple[str, Iterable[Tuple[dict, object]]]):
    """One block -> its rows with ``event_cluster_id`` (main output) and one
    ``event_clusters`` row per cluster (``CLUSTERS``)."""
    _, values = block
    tellings = [telling_from_row(row, published) for row, published in values]
    for members in cluster_block(tellings):
        cid = cluster_id(members)
        for t in members:
            yield dict(t.row, event_cluster_id=cid)
        yield beam.pvalue.TaggedOutput(CLUSTERS, cluster_row(members))


class ClusterEvents(beam.PTransform):
    """``{"events": events rows, "articles": articles rows}`` ->
    ``{"events": (rows not coded, coded rows with their cluster id),
    "event_clusters": (one row per cluster,)}``: tuples of PCollections, the
    parts of one table for ``WriteOutputs``. The events are not flattened, so
    the rows that are not coded never wait for the shuffle; and the sink names
    the files of a part by their content, so that rows that come after the
    shuffle land in the same files on every run."""

    def expand(self, tables):
        split = tables["events"] | "SplitCoded" >> beam.FlatMap(split_coded).with_outputs(
            CODED, main="others")
        published = tables["articles"] | "PublishedDates" >> beam.FlatMap(published_of)
        clustered = ({"rows": split[CODED], "published": published}
                     | "JoinPublished" >> beam.CoGroupByKey()
                     | "ByBlock" >> beam.FlatMap(to_blocks)
                     | "GroupBlocks" >> beam.GroupByKey()
                     | "ClusterBlocks" >> beam.FlatMap(cluster_rows).with_outputs(
                         CLUSTERS, main="events"))
        return {"events": (split["others"], clustered["events"]),
                CLUSTERS: (clustered[CLUSTERS],)}
