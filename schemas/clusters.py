"""Schema of the ``event_clusters`` table: one row per event told by the run's
articles, however many rows of ``events`` tell it (docs/EVENTS.md, "One event,
many reports")."""
from __future__ import annotations

import pyarrow as pa

from schemas import field

SCHEMA = pa.schema(
    [
        field("event_cluster_id", pa.string(),
              "Identifier of the event (joins events.event_cluster_id): a hash of "
              "the event_id of its earliest row (earliest publication date, then "
              "smallest event_id), so a re-run over the same input gives the same "
              "id.", nullable=False),
        field("event_type", pa.string(),
              "PLOVER event type every row of the cluster has (events.event_type).",
              nullable=False),
        field("date", pa.date32(),
              "Date of the event: the date of its most precise row (a row dated "
              "the 19th of June and one dated \"that week\" give the 19th); null "
              "when its rows have no date."),
        field("date_precision", pa.string(),
              "Precision of `date`: \"day\", \"week\", \"month\" or \"year\"; null "
              "when `date` is null."),
        field("who_country", pa.string(),
              "ISO 3166-1 alpha-3 or IGO code of the actor: the one country its rows "
              "name (each row's first `who_actors` entry's country, else its "
              "`who_country`; rows whose country is unknown may join); null when "
              "none names one."),
        field("who_sector", pa.string(),
              "Sector of the actor (events.who_actors[].sector): the one sector "
              "its rows name (rows whose sector is unknown may join); null when "
              "none names one."),
        field("target_country", pa.string(),
              "ISO 3166-1 alpha-3 or IGO code of the target, as for `who_country`."),
        field("target_sector", pa.string(),
              "Sector of the target, as for `who_sector`."),
        field("event_id", pa.string(),
              "The representative row (joins events.event_id): the earliest, the "
              "one the cluster's id is made from.", nullable=False),
        field("article_id", pa.string(),
              "Article of the representative row (joins articles.article_id).",
              nullable=False),
        field("action", pa.string(),
              "The representative row's predicate as written (events.action).",
              nullable=False),
        field("who", pa.string(),
              "The representative row's actor: its who_resolved, else its who; "
              "null when neither."),
        field("target", pa.string(),
              "The representative row's target: its target_resolved, else its "
              "target; null when neither."),
        field("sentence", pa.string(),
              "The representative row's sentence (events.sentence).", nullable=False),
        field("n_mentions", pa.int32(),
              "Rows of the events table that tell the event (its mentions; two in "
              "one article count twice).", nullable=False),
        field("n_articles", pa.int32(),
              "Distinct articles that tell the event.", nullable=False),
        field("first_seen", pa.date32(),
              "Earliest publication date (articles.published) of the articles that "
              "tell the event; null when none of them has one."),
        field("last_seen", pa.date32(),
              "Latest publication date of the articles that tell the event; null "
              "when none of them has one."),
    ],
    metadata={b"description": b"One row per event however many articles tell it: "
              b"the coded rows of events that share an event_cluster_id, counted."},
)
