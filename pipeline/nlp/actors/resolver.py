"""``resolve_actors``: who/target of an article's events -> lists of actors, each
with its fullest name, country and sector; the first actor also fills the
scalar ``*_resolved``/``*_country`` columns."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import AbstractSet, Dict, List, Optional, Tuple

from pipeline.nlp import gazetteer as gz
from pipeline.nlp.gazetteer.places import place_in_span
from pipeline.records import Actor, Event, Mention

from .article import ArticleContext, _verb_only, leader_country
from .conjuncts import split_conjuncts
from .dateline import dateline_country
from .lexicon import _strip_the
from .sectors import group_sector, known_group, sector_of_person, sector_of_text


def resolve_actors(text: str, events: List[Event], mentions: List[Mention]) -> List[Event]:
    """Copies of ``events`` (one article) with who/target resolved and coded.

    ``mentions`` are the article's named-entity mentions with article offsets
    (from the tagger's NER head: ``mentions_from_frames``). Events are resolved
    in text order, so a pronoun can rest on an earlier resolved description.
    A coordinated span ("Qatar, Egypt and the US") is resolved conjunct by
    conjunct (``conjuncts.split_conjuncts``).
    """
    art = ArticleContext(text, events, mentions)
    spans = []
    for i, ev in enumerate(events):
        for role in ("who", "target"):
            s, e = getattr(ev, f"{role}_start"), getattr(ev, f"{role}_end")
            if getattr(ev, role) and s is not None and e is not None:
                spans.append((s, e, i, role))
    spans.sort(key=lambda t: (t[0], 0 if t[3] == "who" else 1))
    mention_spans = [(m.start, m.end) for m in art.mentions]
    actors: Dict[Tuple[int, str], List[Actor]] = {}
    who_eids: Dict[int, Optional[int]] = {}
    for s, e, i, role in spans:
        exclude = ()
        if role == "target" and who_eids.get(i) is not None:
            exclude = (who_eids[i],)
        found = []
        for ps, pe in split_conjuncts(text, s, e, mention_spans):
            res = art.remember(ps, pe, art.resolve_span(ps, pe, role, exclude))
            found.append(_actor(art, ps, pe, res))
            if role == "who" and i not in who_eids:
                who_eids[i] = res[0] if res else None
        if role == "target" and len(found) == 1 and _empty(found[0]):
            found = _actors_after_preposition(art, s, e, mention_spans, exclude) or found
        actors[(i, role)] = found
    dateline = dateline_country(text)
    out = []
    for i, ev in enumerate(events):
        who, target = (_with_country(actors.get((i, role), []), ev, dateline,
                                     art.person_spans, role)
                       for role in ("who", "target"))
        out.append(replace(
            ev, who_actors=tuple(who), target_actors=tuple(target),
            who_resolved=who[0].name if who else None,
            who_country=who[0].country if who else None,
            target_resolved=target[0].name if target else None,
            target_country=target[0].country if target else None))
    return out


#: Sectors whose unnamed members belong where the event happens ("riot police" in
#: Nairobi are Kenyan police); not IGO, NGO, media or refugees, who often do not.
DOMESTIC = frozenset({"GOV", "MIL", "REB", "OPP", "PTY", "COP", "JUD", "LEG", "BUS", "CVL",
                      "LAB", "REL", "EDU", "HLH", "CRM", "SPY"})


def _with_country(found: List[Actor], ev: Event, dateline: Optional[str],
                  persons: AbstractSet[Tuple[int, int]] = frozenset(),
                  role: str = "who") -> List[Actor]:
    """Countries the text gives when the actor's own words do not:

    * a city or region named as an actor ("shelled Kharkiv") -> its country
      (``gazetteer.places``; capitals are in the country gazetteer already);
    * a known armed group -> its own country from the group table, whatever
      modifies it ("Rwandan-backed M23 rebels" -> COD), none for a
      transnational one ("Al-Qaeda in Afghanistan");
    * a description of a domestic sector with no country ("riot police",
      "protesters", "the government") -> the country of a place named in it
      ("riot police in Nairobi"), else of the event's place (``_scene``), else of the
      article's dateline; soldiers as the source take the dateline only. Not for people: a named person's
      country comes from what the article says of that person only (a
      minister abroad is no citizen of the country he visits), and a person's
      name is no city ("Kennedy" is also a district of Bogotá). ``persons``:
      (start, end) of the actors that are people."""
    out = []
    for a in found:
        country = a.country
        if country is None and a.sector in (None, "GOV") and (a.start, a.end) not in persons \
                and _capitalised(a.text):
            place = place_in_span(a.text)
            if place is not None and place.kind != "country" and place.end - place.start >= \
                    len(_strip_the(a.text).rstrip(" .,;:")) - 1:
                country = place.country
        group = known_group(a.text)
        if group is not None:  # a known armed group: its own country, or none
            country = group[0]  # "Rwandan-backed M23 rebels" are Congolese
        elif country is None and a.sector in DOMESTIC and not _named_person(a):
            # troops that act are often where they are foreign ("coalition
            # soldiers in Iraq"): for them the dateline only; those acted on
            # (a base overrun, soldiers killed) are mostly the country's own
            placed = a.sector != "MIL" or role == "target"
            inside = (place_in_span(a.text) if placed and _capitalised(a.text)
                      else None)  # "police in Nairobi"
            here = _scene(ev) if placed else None
            country = (inside.country if inside else None) or here or dateline
        out.append(a if country == a.country else replace(a, country=country))
    return out


def _capitalised(text: str) -> bool:
    """Could ``text`` name a place? The place gazetteer matches capitalised names only."""
    return any(ch.isupper() for ch in text)


def _scene(ev: Event) -> Optional[str]:
    """The country where the event happens: its place, else a place named in
    its who or target span ("Riot police in Nairobi detained 40 people": the
    people detained are in Nairobi too)."""
    if ev.location_country:
        return ev.location_country
    for span in (ev.who, ev.target):
        place = place_in_span(span) if span else None
        if place is not None:
            return place.country
    return None


def _named_person(a: Actor) -> bool:
    """A resolved name that is no description: a person (or an organisation) by name."""
    return a.name is not None and a.name[:1].isupper() and sector_of_text(a.name) is None


# the prepositions that introduce whom an act is aimed at, inside a target that
# names the act's object: "sanctions against Iran", "talks with Kyiv", "a strike on Gaza"
_AIMED = re.compile(r"\b(?:against|on|upon|with|to|toward|towards|at|over|for|by)\s+", re.I)


def _empty(a: Actor) -> bool:
    return a.name is None and a.country is None and a.sector is None


def _actors_after_preposition(art: ArticleContext, s: int, e: int, mention_spans,
                              exclude) -> List[Actor]:
    """"new sanctions against Iran" -> [Iran]: when a target span names no actor
    itself, the actors of its first aimed-at phrase that names one."""
    for m in _AIMED.finditer(art.text, s, e):
        ps = m.end()
        parts = [(a, b, art.resolve_span(a, b, "target", exclude))
                 for a, b in split_conjuncts(art.text, ps, e, mention_spans)]
        found = [_actor(art, a, b, res) for a, b, res in parts]
        if found and not all(_empty(x) for x in found):
            for a, b, res in parts:
                art.remember(a, b, res)
            return found
    return []


def _actor(art: ArticleContext, s: int, e: int, res: Optional[tuple]) -> Actor:
    eid, name, country = res if res else (None, None, None)
    if eid is not None and art.entities[eid].label == "PER":
        art.person_spans.add((s, e))
    return Actor(text=art.text[s:e], start=s, end=e, name=name, country=country,
                 sector=actor_sector(art, s, e, eid, country, name))


def actor_sector(art: ArticleContext, s: int, e: int, eid: Optional[int],
                 country: Optional[str], name: Optional[str] = None) -> Optional[str]:
    """The actor's sector (``sectors``): an IGO code is IGO; a person's from its
    titles (all its mentions' and this span's words); an organisation's from its
    name; a description's from its words; a state named as such is GOV."""
    if country in gz.IGOS:
        return "IGO"
    span = art.text[s:e]
    group = group_sector(span) or (group_sector(art.entities[eid].name) if eid is not None else None)
    if group:
        return group
    if eid is not None and art.entities[eid].label == "PER":
        ent = art.entities[eid]
        affiliation = (sector_of_text(art.entities[ent.affiliation].name)
                       if ent.affiliation is not None else None)
        return sector_of_person(ent.titles | set(span.lower().split())) or affiliation or (
            "GOV" if leader_country(m.text for m in ent.members) else None)
    # the span's own head first: "South Korea's spy agency" is SPY, not South
    # Korea's GOV; "firms accused of supplying drone parts" is BUS, not MIL
    described = sector_of_text(actor_head(span))
    if described:
        return described
    if eid is not None:
        ent = art.entities[eid]
        named = sector_of_text(ent.name) or (_state(ent.name) and "GOV")
        if named:
            return named
    if country and not _person(art, eid) and (_state(gz.head_phrase(span))
                                              or (name is not None and _state(name))):
        return "GOV"  # "Russia", "Seoul", "the Kremlin": the state acting
    return None


def actor_head(span: str) -> str:
    """The noun phrase an actor span is about: cut at its first preposition
    other than of/from, a relative word, a comma or a participle after the
    first word ("two firms accused of ..." -> "two firms")."""
    head = gz.head_phrase(span)
    out = []
    for k, m in enumerate(re.finditer(r"\S+", head)):
        w = m.group(0)
        if k and (w.lower() in ("who", "which", "that", "whose") or _verb_only(w)):
            break
        out.append(w)
    return " ".join(out) or span


def _state(name: str) -> bool:
    """Does ``name`` name a state: a country, its capital or seat of government?"""
    hit = gz._lookup(_strip_the(name.strip(" .,;:")))
    return bool(hit) and hit[1] in ("country", "alias", "capital", "metonym", "us_state")


def _person(art: ArticleContext, eid: Optional[int]) -> bool:
    return eid is not None and art.entities[eid].label == "PER"
