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

#: Actor sectors, after the CAMEO/PLOVER actor types (docs/ACTORS.md, "Sectors").
SECTORS = (
    "GOV",  # government, executive, head of state, ministries, diplomats
    "MIL",  # armed forces, soldiers, defence ministry's forces
    "REB",  # rebels, insurgents, militants, armed groups
    "OPP",  # political opposition (outside a party name)
    "PTY",  # political party
    "COP",  # police, security forces inside the country
    "JUD",  # courts, judges, prosecutors
    "LEG",  # parliament, legislators
    "MED",  # media, journalists
    "BUS",  # business, companies
    "CVL",  # civilians, residents, protesters, citizens
    "REF",  # refugees, displaced people
    "IGO",  # intergovernmental organisations
    "NGO",  # non-governmental organisations
    "LAB",  # labour unions, workers
    "REL",  # religious leaders and bodies
    "EDU",  # schools, universities, students
    "HLH",  # health workers and bodies
    "CRM",  # criminals, gangs
    "SPY",  # intelligence services
)

#: Child fields of one element of ``who_actors`` / ``target_actors``.
ACTOR_STRUCT = pa.struct([
    field("text", pa.string(),
          "The actor as written in the span: one conjunct of a coordination "
          "(\"Britain\" in \"The US and Britain\"), or the whole span.",
          nullable=False),
    field("start", pa.int32(),
          "Character offset of `text` in the article text.", nullable=False),
    field("end", pa.int32(),
          "Character offset just past `text` in the article text.",
          nullable=False),
    field("name", pa.string(),
          "The fullest name of the entity the actor refers to, resolved within "
          "the article (\"He\" -> \"Vladimir Putin\"); null when it names no "
          "entity or cannot be resolved."),
    field("country", pa.string(),
          "ISO 3166-1 alpha-3 code of the state the actor is or acts for, or an "
          "intergovernmental-organisation code (EU, NATO, UN, ...); null when "
          "unknown."),
    field("sector", pa.string(),
          "What kind of actor it is, one of " + ", ".join(SECTORS) + " "
          "(after CAMEO/PLOVER actor types; docs/ACTORS.md), read from titles "
          "and head nouns (\"the Russian military\" -> MIL, \"opposition "
          "leader\" -> OPP); null when unknown."),
])

ACTORS_TYPE = pa.list_(pa.field("element", ACTOR_STRUCT, nullable=False))

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
              "(usually ARG0), or for a relative pronoun its antecedent "
              "(\"Salazar, who fired\": Salazar; `roles` keeps \"who\"); null "
              "when the predicate has none."),
        field("who_start", pa.int32(),
              "Character offset of `who` in the article text; null when `who` "
              "is null."),
        field("who_end", pa.int32(),
              "Character offset just past `who` in the article text; null when "
              "`who` is null."),
        field("target", pa.string(),
              "Whom or what the action is directed at: the GOL argument "
              "(recipient, hearer, entity threatened) when present, otherwise "
              "the PPT argument (patient/theme); a relative pronoun's "
              "antecedent as for `who`; null when neither exists."),
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
        field("location_name", pa.string(),
              "The place the event happens, geocoded: the gazetteer's name of the "
              "city, region or country named in `location`, or else in the "
              "event's sentence (\"in Minsk\" -> \"Minsk\"); null when none is "
              "named."),
        field("location_country", pa.string(),
              "ISO 3166-1 alpha-3 code of the country `location_name` lies in "
              "(or is); null when `location_name` is null."),
        field("location_lat", pa.float64(),
              "Latitude of `location_name` in degrees (WGS 84), from the "
              "gazetteer; null when `location_name` is null."),
        field("location_lon", pa.float64(),
              "Longitude of `location_name` in degrees (WGS 84), from the "
              "gazetteer; null when `location_name` is null."),
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
              "week, month or year, the first day of that week (a Monday), "
              "month or year; null when no date could be resolved."),
        field("date_precision", pa.string(),
              "Precision of `date`: \"day\", \"week\", \"month\" or \"year\"; "
              "null when `date` is null."),
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
        field("who_actors", ACTORS_TYPE,
              "Every actor of `who`, coordinated actors split (\"The US and "
              "Britain\" -> two entries), each with its resolved name, country "
              "and sector; `who_resolved`/`who_country` are the first entry's. "
              "Empty when `who` is null.", nullable=False),
        field("target_actors", ACTORS_TYPE,
              "Every actor of `target`, as for `who_actors`; empty when `target` "
              "is null.", nullable=False),
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
        field("event_cluster_id", pa.string(),
              "One id for every coded row, across the run's articles, that tells "
              "the same event: same PLOVER type, date at its precision, who "
              "country/sector and target country/sector, and similar text "
              "(docs/EVENTS.md, \"One event, many reports\"); the "
              "`event_clusters` table counts its mentions. Null for rows that "
              "are not coded."),
    ],
    metadata={b"description": b"One row per event: a predicate with at least "
              b"one argument, its who/action/target/date and all its roles."},
)
