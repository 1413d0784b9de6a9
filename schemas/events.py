"""Schema of the ``events`` table: one row per event.

An event is a predicate (verb, with its particles) that has at least one
semantic-role argument. All ``*_start`` / ``*_end`` columns are character
offsets into the *article* text (not the sentence), so that
``text[who_start:who_end] == who`` for the article's text.
"""
from __future__ import annotations

import pyarrow as pa

from schemas import field

#: Child fields of one element of the ``roles`` list. The list's item field is
#: named ``element`` (not pyarrow's default ``item``), as the Parquet spec's
#: compliant nested-list layout names it, so the schema read back from a file
#: written with ``use_compliant_nested_type=True`` equals this one.
ROLE_STRUCT = pa.struct([
    field("label", pa.string(),
          "Semantic-role label as predicted, e.g. ARG0, ARG1, ARG2, ARGM-TMP, "
          "ARGM-LOC, ARGM-NEG, ARGM-MOD.", nullable=False),
    field("function", pa.string(),
          "PropBank function tag of the numbered argument for this predicate's "
          "roleset (PAG agent, PPT patient/theme, GOL goal/recipient, DIR, "
          "PRD, ...); null for modifiers and when the frame is unknown."),
    field("text", pa.string(),
          "The argument span as it appears in the article text.",
          nullable=False),
    field("start", pa.int32(),
          "Character offset of the span's start in the article text.",
          nullable=False),
    field("end", pa.int32(),
          "Character offset just past the span's end in the article text "
          "(text[start:end] == text).", nullable=False),
    field("score", pa.float32(),
          "Model confidence for this argument span, in [0, 1].",
          nullable=False),
])

SCHEMA = pa.schema(
    [
        field("event_id", pa.string(),
              "Deterministic identifier of the event: a hash of article_id, "
              "sentence_index and action_start, so re-runs give the same id.",
              nullable=False),
        field("article_id", pa.string(),
              "Identifier of the article the event comes from (joins "
              "articles.article_id).", nullable=False),
        field("sentence_index", pa.int32(),
              "0-based index of the sentence within the article.",
              nullable=False),
        field("sentence", pa.string(),
              "Full text of the sentence containing the event.",
              nullable=False),
        field("action", pa.string(),
              "The predicate as written, with its particles, e.g. "
              "\"rule out\", \"threatened\".", nullable=False),
        field("action_lemma", pa.string(),
              "Lemma (dictionary form) of the predicate, particles included, "
              "e.g. \"rule out\", \"threaten\".", nullable=False),
        field("action_start", pa.int32(),
              "Character offset of the predicate's start in the article text.",
              nullable=False),
        field("action_end", pa.int32(),
              "Character offset just past the predicate's end in the article "
              "text; for a particle verb this covers the particle too.",
              nullable=False),
        field("negated", pa.bool_(),
              "True when the predicate is negated (an ARGM-NEG argument such "
              "as \"not\", \"never\").", nullable=False),
        field("modality", pa.string(),
              "Modal qualifying the predicate (the ARGM-MOD argument), "
              "lower-cased: \"would\", \"will\", \"could\", \"may\", ...; null "
              "when there is none."),
        field("who", pa.string(),
              "The agent: the argument whose PropBank function is PAG "
              "(usually ARG0); null when the predicate has none."),
        field("who_start", pa.int32(),
              "Character offset of `who` in the article text; null when `who` "
              "is null."),
        field("who_end", pa.int32(),
              "Character offset just past `who` in the article text; null when "
              "`who` is null."),
        field("target", pa.string(),
              "Whom or what the action is directed at: the GOL argument "
              "(recipient, hearer, entity threatened) when present, otherwise "
              "the PPT argument (patient/theme); null when neither exists."),
        field("target_start", pa.int32(),
              "Character offset of `target` in the article text; null when "
              "`target` is null."),
        field("target_end", pa.int32(),
              "Character offset just past `target` in the article text; null "
              "when `target` is null."),
        field("object", pa.string(),
              "The PPT argument (patient/theme, e.g. the thing given or said) "
              "when `target` is the GOL argument; null otherwise."),
        field("object_start", pa.int32(),
              "Character offset of `object` in the article text; null when "
              "`object` is null."),
        field("object_end", pa.int32(),
              "Character offset just past `object` in the article text; null "
              "when `object` is null."),
        field("location", pa.string(),
              "Where the event happens: the ARGM-LOC argument; null when "
              "there is none."),
        field("location_start", pa.int32(),
              "Character offset of `location` in the article text; null when "
              "`location` is null."),
        field("location_end", pa.int32(),
              "Character offset just past `location` in the article text; "
              "null when `location` is null."),
        field("roles", pa.list_(pa.field("element", ROLE_STRUCT,
                                         nullable=False)),
              "All semantic-role arguments of the predicate, in text order, "
              "with label, PropBank function, text, article offsets and "
              "score (never empty: an event has at least one argument).",
              nullable=False),
        field("date_text", pa.string(),
              "The event's time argument (ARGM-TMP span) as written, e.g. "
              "\"last Tuesday\": the one the date was resolved from when "
              "date_source is 'text', else the first one; null when the event "
              "has none."),
        field("date", pa.date32(),
              "Resolved calendar date of the event; when date_precision is "
              "month or year, the first day of that month or year; null when "
              "no date could be resolved."),
        field("date_precision", pa.string(),
              "Precision of `date`: \"day\", \"month\" or \"year\"; null when "
              "`date` is null."),
        field("date_source", pa.string(),
              "Where `date` came from: \"text\" (resolved from date_text, "
              "relative to the publication date), \"published\" (the "
              "article's publication date, used as a fallback) or \"none\" "
              "(no date).", nullable=False),
        field("confidence", pa.float32(),
              "Model confidence for the event as a whole, in [0, 1].",
              nullable=False),
        field("model", pa.string(),
              "Name and version of the model that produced the event, e.g. "
              "\"<model-name>@<version>\".", nullable=False),
        field("who_resolved", pa.string(),
              "The fullest name of the entity `who` refers to, resolved within "
              "the article (pronouns, titles, short names: \"He\", \"Mr. "
              "Putin\", \"The Russian president\" -> \"Vladimir Putin\"; "
              "\"we\" in a quote -> the speaker's side); null when `who` is "
              "null, names no entity (\"the South Korean leadership\") or "
              "cannot be resolved."),
        field("who_country", pa.string(),
              "ISO 3166-1 alpha-3 code of the state `who` is or acts for "
              "(\"Seoul\" -> KOR, \"the Kremlin\" -> RUS, \"Russian president\" "
              "-> RUS), or an intergovernmental-organisation code (NATO, EU, UN, "
              "...); null when unknown."),
        field("target_resolved", pa.string(),
              "The fullest name of the entity `target` refers to, resolved "
              "within the article as for `who_resolved` (the possessor for "
              "\"NATO's expansion\"); null when none."),
        field("target_country", pa.string(),
              "ISO 3166-1 alpha-3 or IGO code of the target actor, as for "
              "`who_country`; null when unknown."),
        field("is_event", pa.bool_(),
              "True when the row is a countable event: a specific happening "
              "or act, not a state (\"is\", \"need\"), a light verb (\"make\" "
              "in \"make a decision\"), a nominal that names no happening "
              "(\"possibility\", \"error\") or a reporting frame with no "
              "political content (\"said\"); decided by the event head on the "
              "tagger's own pass. Null when events were not classified."),
        field("event_score", pa.float32(),
              "Probability, from the event head, that the row is a countable "
              "event (`is_event` is true at or above the threshold that travels "
              "with the model, event_head.json), to 4 decimals; null when not "
              "classified."),
        field("event_type", pa.string(),
              "PLOVER event type of the predicate in context: AGREE, CONSULT, "
              "SUPPORT, CONCEDE, COOPERATE, AID, RETREAT, REQUEST, ACCUSE, "
              "REJECT, THREATEN, PROTEST, SANCTION, MOBILIZE, COERCE, ASSAULT, "
              "or OTHER; given for every row (what the act would be), whether or "
              "not it is an event or happened: filter with `coded`. Null when "
              "not classified."),
        field("event_type_score", pa.float32(),
              "Probability of `event_type`, in [0, 1]: the event head's type "
              "distribution, temperature-scaled on the dev part of the gold "
              "set so that it is calibrated, to 4 decimals; null when not "
              "classified."),
        field("factuality", pa.string(),
              "Did it happen, as the article tells it: \"asserted\" (told as "
              "fact), \"negated\" (did not happen), \"hypothetical\" "
              "(conditional, modal, asked for, alleged, possible), \"future\" "
              "(will, plans to, threatens to) or \"denied\" (the object of a "
              "denial that it happened). From the frame's negation and modal "
              "and its governing frame.", nullable=False),
        field("coded", pa.bool_(),
              "True for the events an analyst counts: a countable event "
              "(`is_event`) with a PLOVER type other than OTHER, a `who`, and "
              "`factuality` asserted, or future for THREATEN, REQUEST, "
              "SANCTION and AID (announced acts, coded as PLOVER codes them). "
              "False otherwise, and when events were not classified.",
              nullable=False),
    ],
    metadata={b"description": b"One row per event: a predicate with at least "
              b"one argument, its who/action/target/date and all its roles."},
)
