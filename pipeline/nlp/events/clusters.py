"""One event, many reports: which coded rows, across a run's articles, tell the same event.

Plain Python, no Beam (``pipeline/stages/cluster.py`` runs it inside a
``GroupByKey``; ``bench/ecb_eval.py`` scores it on ECB+). docs/EVENTS.md, "One
event, many reports", is the reader's version of this rule:

1. **Blocking key** (:func:`blocking_key`), exact: the PLOVER ``event_type``,
   the date's *bucket* (:func:`date_bucket`: its year; a week's is the year of
   its Thursday, as ISO 8601 counts weeks) and the action lemma
   (``action_lemma``): two tellings of one event say it with the same verb.
   (Letting different lemmas merge at any sentence cosine from 0.35 to 0.8
   only lost CoNLL F1 on ECB+'s training and dev topics.)
2. **Within a block** two tellings may share a cluster when
   * their dates **overlap at their precision** (:func:`date_span`): a day
     inside a week-, month- or year-precise date matches it, two days match
     only when equal; undated rows match only undated rows (they have their
     own bucket). A cluster keeps the intersection of its members' spans, so
     one vague "June" cannot glue the 3rd to the 20th;
   * their **actors agree**: the who country, the who sector, the target
     country and the target sector, each equal or unknown on one side. A side's
     country and sector are its first actor's (``who_actors[0]``), the country
     falling back to the row's ``who_country`` / ``target_country``. An unknown
     value is open because the same actor is often told once with and once
     without it ("Russia" has no sector, "the Kremlin" is GOV; "the police" has
     no country, "French police" has): on ECB+'s training and dev topics,
     letting a null country match only null cost 1.5 CoNLL F1. A cluster holds
     at most one known value of each, so an unknown one cannot glue RUS to UKR;
   * they are **not in the same sentence**: two predicates of one sentence
     are two events;
   * their **text is similar** (:func:`similarity`): the cosine between the
     content words of their sentences, the predicate's own left out
     (:func:`context_words`), is at least ``Rule.min_cosine`` (0.2), chosen on
     ECB+'s training and dev topics (``python -m bench.ecb_eval --tune``),
     never on its test topics.
3. **Order** (:func:`cluster_block`): tellings are taken most precise date
   first, then by date, publication date and ``event_id``, each joining the
   admitting cluster whose closest member is most similar (single link), or
   starting a new one. The order is a sort of the block's content, so the
   clusters do not depend on the order the runner delivers the rows in.
4. **Id** (:func:`cluster_id`): a hash of the ``event_id`` of the cluster's
   *earliest* member (earliest publication date, undated articles last, then
   smallest ``event_id``), so a re-run gives the same ids.

Clusters are per run: with ``--run-date``, rows of earlier partitions are not
re-clustered.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

PRECISIONS = ("day", "week", "month", "year")
_RANK = {p: i for i, p in enumerate(PRECISIONS)}

Span = Tuple[dt.date, dt.date]  # first and last day, both included
Key = Tuple[Optional[object], ...]


@dataclass(frozen=True)
class Rule:
    """The rule's settings. The defaults are the rule; the others are what
    ``bench.ecb_eval --tune`` compares them with."""

    min_cosine: float = 0.2  # of the sentences' content words
    #: tellings with different lemmas may merge at this cosine (None: never,
    #: and the lemma is part of the blocking key)
    other_lemma: Optional[float] = None
    open_country: bool = True  # a null country matches any (else only null)


RULE = Rule()


@dataclass(frozen=True)
class Telling:
    """One row that tells an event: what the rule reads of it."""

    event_id: str
    article_id: str
    sentence_index: int
    event_type: Optional[str]
    lemma: str
    words: FrozenSet[str]  # content words of the sentence but the predicate's (:func:`context_words`)
    date: Optional[dt.date] = None
    precision: Optional[str] = None
    who_country: Optional[str] = None
    who_sector: Optional[str] = None
    target_country: Optional[str] = None
    target_sector: Optional[str] = None
    published: Optional[dt.date] = None
    place: Optional[str] = None  # location_name
    place_country: Optional[str] = None  # location_country
    row: Any = field(default=None, compare=False, repr=False)  # the events row, if any


# ------------------------------------------------------------------ text

_WORD = re.compile(r"[^\W_]+(?:[.\-'\u2019][^\W_]+)*")
#: Function words and the words every news sentence has: no evidence of sameness.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
out over own same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours s t don shall may might must
said say says saying told tell according reported report reports also news mr mrs ms
one two three new last first year years week day days monday tuesday wednesday thursday
friday saturday sunday today yesterday time
""".split())


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    """A word's dictionary form for overlap: noun lemma, else verb lemma."""
    from lemminflect import getAllLemmas  # a lookup table: no model, no network

    lemmas = getAllLemmas(word)
    for upos in ("NOUN", "VERB", "ADJ"):
        if upos in lemmas:
            return lemmas[upos][0]
    return word


def content_words(text: str) -> FrozenSet[str]:
    """The lower-cased content words of ``text``, in dictionary form: stopwords,
    one-letter words and punctuation dropped ("Two top leaders were arrested"
    -> {"top", "leader", "arrest"})."""
    out = set()
    for m in _WORD.finditer(text or ""):
        w = m.group(0).lower().replace("\u2019", "'")
        if w.endswith("'s"):
            w = w[:-2]
        if len(w) > 1 and w not in STOPWORDS:
            w = _norm(w)
            if w not in STOPWORDS:
                out.add(w)
    return frozenset(out)


def context_words(sentence: str, action: str) -> FrozenSet[str]:
    """The content words of an event's sentence but its predicate's: the words
    the rule compares (the lemma is compared on its own)."""
    return content_words(sentence) - content_words(action)


def cosine(a: FrozenSet[str], b: FrozenSet[str]) -> float:
    """Cosine of two word sets (binary weights); 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def similarity(a: Telling, b: Telling, rule: Rule = RULE) -> Optional[float]:
    """How alike two tellings' texts are: the cosine of their sentences' content
    words, or None when that is below the rule's threshold (``min_cosine`` for
    the same lemma, ``other_lemma`` for different ones)."""
    cos = cosine(a.words, b.words)
    if a.lemma == b.lemma:
        return cos if cos >= rule.min_cosine else None
    return cos if rule.other_lemma is not None and cos >= rule.other_lemma else None


# ----------------------------------------------------------------- dates


def date_span(date: Optional[dt.date], precision: Optional[str]) -> Optional[Span]:
    """The days a date stands for: the day; the week from its Monday; the
    month; the year. None for no date."""
    if date is None:
        return None
    if precision == "week":
        return date, date + dt.timedelta(days=6)
    if precision == "month":
        return date, date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if precision == "year":
        return date, dt.date(date.year, 12, 31)
    return date, date


def date_bucket(date: Optional[dt.date], precision: Optional[str]) -> Optional[int]:
    """The block a date falls in: its year; a week's is the year of its
    Thursday (ISO 8601), so that a week is never split. The one case a block
    misses: a week over New Year and a day, or month, on its other side."""
    if date is None:
        return None
    if precision == "week":
        return (date + dt.timedelta(days=3)).year
    return date.year


def _overlap(a: Optional[Span], b: Optional[Span]) -> Optional[Span]:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start <= end else None


# ------------------------------------------------------------------- rows


def _first_actor(actors: Optional[Sequence[Mapping]], country: Optional[str]
                 ) -> Tuple[Optional[str], Optional[str]]:
    """(country, sector) of a side: the first actor's, the country falling back
    to the row's ``who_country`` / ``target_country``."""
    first = actors[0] if actors else None
    if first is None:
        return country, None
    return first.get("country") or country, first.get("sector")


def telling_from_row(row: Mapping[str, Any], published: Optional[dt.date] = None) -> Telling:
    """The rule's view of an ``events`` row (a dict of ``schemas.events``),
    ``published``: its article's publication date."""
    who_country, who_sector = _first_actor(row.get("who_actors"), row.get("who_country"))
    target_country, target_sector = _first_actor(row.get("target_actors"),
                                                 row.get("target_country"))
    return Telling(
        event_id=row["event_id"], article_id=row["article_id"],
        sentence_index=row["sentence_index"], event_type=row.get("event_type"),
        lemma=row["action_lemma"], words=context_words(row["sentence"], row["action"]),
        date=row.get("date"), precision=row.get("date_precision"),
        who_country=who_country, who_sector=who_sector,
        target_country=target_country, target_sector=target_sector,
        place=row.get("location_name"), place_country=row.get("location_country"),
        published=published, row=row)


def blocking_key(t: Telling, rule: Rule = RULE) -> Key:
    """What every telling of one event shares exactly: (type, date bucket,
    action lemma); the countries too when a null country matches only null."""
    key = (t.event_type, date_bucket(t.date, t.precision),
           t.lemma if rule.other_lemma is None else None)
    return key if rule.open_country else key + (t.who_country, t.target_country)


# ------------------------------------------------------------- clustering


class _Cluster:
    __slots__ = ("members", "span", "who_sector", "target_sector", "sentences",
                 "who_country", "target_country", "place", "place_country")

    def __init__(self, t: Telling):
        self.members = [t]
        self.span = date_span(t.date, t.precision)
        self.who_sector, self.target_sector = t.who_sector, t.target_sector
        self.who_country, self.target_country = t.who_country, t.target_country
        self.place, self.place_country = t.place, t.place_country
        self.sentences = {(t.article_id, t.sentence_index)}

    def admits(self, t: Telling) -> bool:
        if (t.article_id, t.sentence_index) in self.sentences:
            return False
        for mine, theirs in ((self.who_country, t.who_country), (self.who_sector, t.who_sector),
                             (self.target_country, t.target_country),
                             (self.target_sector, t.target_sector)):
            if mine and theirs and mine != theirs:
                return False
        if places_differ(self.place, self.place_country, t.place, t.place_country):
            return False  # "shelled Kharkiv" and "shelled Bakhmut" the same day: two events
        if (t.date is None) != (self.span is None):
            return False
        return t.date is None or _overlap(self.span, date_span(t.date, t.precision)) is not None

    def add(self, t: Telling) -> None:
        self.members.append(t)
        if t.date is not None:
            self.span = _overlap(self.span, date_span(t.date, t.precision))
        self.who_sector = self.who_sector or t.who_sector
        self.who_country = self.who_country or t.who_country
        self.target_country = self.target_country or t.target_country
        self.target_sector = self.target_sector or t.target_sector
        if t.place and (self.place is None or _country_level(self.place, self.place_country)):
            self.place, self.place_country = t.place, t.place_country  # the most specific
        self.sentences.add((t.article_id, t.sentence_index))


def _country_level(name: Optional[str], country: Optional[str]) -> bool:
    """Is the place a whole country ("Ukraine"), not a city or region in it?"""
    from pipeline.nlp.gazetteer import _lookup

    hit = _lookup(name) if name and name not in _CITY_STATES else None
    return bool(hit) and hit[0] == country and hit[1] in ("country", "alias")


# city-states: the city and the country are one place
_CITY_STATES = frozenset({"Singapore", "Monaco", "Vatican City", "Hong Kong", "Macau"})


def places_differ(a: Optional[str], a_country: Optional[str],
                  b: Optional[str], b_country: Optional[str]) -> bool:
    """Do two events' places exclude each other? Unknown on either side, the same
    name, or a country and a place in it ("Ukraine", "Kharkiv") do not; two
    countries, or two cities or regions ("Kharkiv", "Bakhmut"), do."""
    if not a or not b or a == b:
        return False
    if a_country != b_country:
        return True
    return not (_country_level(a, a_country) or _country_level(b, b_country))


def _order(t: Telling) -> tuple:
    """Most precise date first, then date, publication date, event id."""
    return (_RANK.get(t.precision, len(PRECISIONS)), t.date or dt.date.max,
            t.published or dt.date.max, t.event_id)


def cluster_block(tellings: Iterable[Telling], rule: Rule = RULE) -> List[List[Telling]]:
    """The clusters of one block (tellings of one :func:`blocking_key`), each
    in the rule's order, the clusters in the order they were started. The
    result depends on the tellings, not on the order they come in.

    A telling is compared only with the clusters whose dates overlap its own
    (clusters are kept by their date span), so a block of a year's rows costs
    about the rows of each day squared, not the year's."""
    clusters: List[_Cluster] = []
    by_span: Dict[Optional[Span], List[int]] = {}
    for t in sorted(tellings, key=_order):
        span = date_span(t.date, t.precision)
        candidates = sorted(i for key, ids in by_span.items()
                            if (key is None) == (span is None)
                            and (span is None or _overlap(key, span) is not None)
                            for i in ids)
        best, best_score = None, None
        for i in candidates:
            c = clusters[i]
            if not c.admits(t):
                continue
            scores = [s for s in (similarity(t, m, rule) for m in c.members) if s is not None]
            if scores and (best_score is None or max(scores) > best_score):
                best, best_score = i, max(scores)  # ties: the cluster started first
        if best is None:
            clusters.append(_Cluster(t))
            by_span.setdefault(span, []).append(len(clusters) - 1)
        else:
            c = clusters[best]
            by_span[c.span].remove(best)
            if not by_span[c.span]:
                del by_span[c.span]
            c.add(t)
            by_span.setdefault(c.span, []).append(best)
    return [c.members for c in clusters]


def cluster_all(tellings: Iterable[Telling], rule: Rule = RULE) -> List[List[Telling]]:
    """:func:`cluster_block` over every block: what the Beam stage computes,
    in one process (tests, bench)."""
    blocks: Dict[Key, List[Telling]] = {}
    for t in tellings:
        blocks.setdefault(blocking_key(t, rule), []).append(t)
    out: List[List[Telling]] = []
    for key in sorted(blocks, key=repr):
        out += cluster_block(blocks[key], rule)
    return out


def earliest(members: Sequence[Telling]) -> Telling:
    """The member that names the cluster: earliest publication date (undated
    articles last), then smallest ``event_id``."""
    return min(members, key=lambda t: (t.published is None, t.published or dt.date.min,
                                       t.event_id))


def cluster_id(members: Sequence[Telling]) -> str:
    """The cluster's id: 16 hex digits of a hash of its earliest member's ``event_id``."""
    key = f"cluster\x1f{earliest(members).event_id}".encode("utf-8")
    return hashlib.sha1(key).hexdigest()[:16]


def cluster_date(members: Sequence[Telling]) -> Tuple[Optional[dt.date], Optional[str]]:
    """(date, precision) of the cluster: its most precise member's (members of
    one precision that overlap have the same date)."""
    dated = [t for t in members if t.date is not None]
    if not dated:
        return None, None
    best = min(dated, key=lambda t: (_RANK.get(t.precision, len(PRECISIONS)), t.date))
    return best.date, best.precision


def cluster_row(members: Sequence[Telling]) -> Dict[str, Any]:
    """The ``event_clusters`` row of one cluster (``schemas.clusters``)."""
    first = earliest(members)
    date, precision = cluster_date(members)
    seen = [t.published for t in members if t.published is not None]
    row = first.row or {}

    def known(side: str) -> Optional[str]:  # the one value its members know
        return next((getattr(t, side) for t in members if getattr(t, side)), None)

    return {
        "event_cluster_id": cluster_id(members),
        "event_type": first.event_type,
        "date": date,
        "date_precision": precision,
        "who_country": known("who_country"),
        "who_sector": known("who_sector"),
        "target_country": known("target_country"),
        "target_sector": known("target_sector"),
        "event_id": first.event_id,
        "article_id": first.article_id,
        "action": row.get("action", first.lemma),
        "who": row.get("who_resolved") or row.get("who"),
        "target": row.get("target_resolved") or row.get("target"),
        "sentence": row.get("sentence", ""),
        "n_mentions": len(members),
        "n_articles": len({t.article_id for t in members}),
        "first_seen": min(seen) if seen else None,
        "last_seen": max(seen) if seen else None,
    }
