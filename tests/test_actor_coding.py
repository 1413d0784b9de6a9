"""Actor lists, sectors, IGOs, persons' countries and pronoun agreement
(pipeline.nlp.actors): each failure a user reported, on its own sentence.

NER mentions are given (as the tagger's NER head would give them), so these
test the resolver; tests/test_e2e.py checks the seed through the real model."""
from __future__ import annotations

import pytest

from pipeline.nlp.actors import resolve_actors
from pipeline.nlp.actors.conjuncts import split_conjuncts
from pipeline.nlp.actors.dateline import dateline_country
from pipeline.nlp.actors.sectors import group_sector, sector_of_person, sector_of_text
from pipeline.nlp.gazetteer import IGOS, country_code
from pipeline.records import Actor
from tests.test_actors import event, ner_mentions


def resolve(text, forms, specs, **event_fields):
    import dataclasses

    rows = [dataclasses.replace(event(text, *spec[:2], **spec[2]), **event_fields)
            for spec in specs]
    return resolve_actors(text, rows, ner_mentions(text, forms))


def triples(actors):
    return [(a.name, a.country, a.sector) for a in actors]


# --------------------------------------------------------------------------- reported failures

def test_a_bloc_imposing_sanctions_is_coded():
    text = "The European Union imposed sanctions on Russian banks on Monday."
    out = resolve(text, [("European Union", "ORG")],
                  [(text, "imposed", {"who": "The European Union", "target": "Russian banks"})])
    assert triples(out[0].who_actors) == [("European Union", "EU", "IGO")]
    assert (out[0].who_resolved, out[0].who_country) == ("European Union", "EU")
    assert triples(out[0].target_actors) == [(None, "RUS", "BUS")]


def test_two_coordinated_actors_are_both_kept():
    text = "The US and Britain announced new sanctions against Iran on Tuesday."
    out = resolve(text, [("US", "LOC"), ("Britain", "LOC"), ("Iran", "LOC")],
                  [(text, "announced", {"who": "The US and Britain",
                                        "target": "new sanctions against Iran"})])
    e = out[0]
    assert [a.text for a in e.who_actors] == ["The US", "Britain"]
    assert triples(e.who_actors) == [("US", "USA", "GOV"), ("Britain", "GBR", "GOV")]
    assert (e.who_resolved, e.who_country) == ("US", "USA")  # scalars: the first actor
    # the target names the act; whom it is aimed at is inside it
    assert triples(e.target_actors) == [("Iran", "IRN", "GOV")]
    assert e.target_country == "IRN"


def test_three_coordinated_actors_with_commas():
    text = "Qatar, Egypt and the US urged Israel and Hamas to accept a ceasefire."
    forms = [("Qatar", "LOC"), ("Egypt", "LOC"), ("US", "LOC"), ("Israel", "LOC"),
             ("Hamas", "ORG")]
    out = resolve(text, forms, [(text, "urged", {"who": "Qatar, Egypt and the US",
                                                  "target": "Israel and Hamas"})])
    assert [(a.country, a.sector) for a in out[0].who_actors] == [
        ("QAT", "GOV"), ("EGY", "GOV"), ("USA", "GOV")]
    assert [a.text for a in out[0].who_actors] == ["Qatar", "Egypt", "the US"]
    assert triples(out[0].target_actors) == [("Israel", "ISR", "GOV"), ("Hamas", "PSE", "REB")]


@pytest.mark.parametrize("span", [
    "salt and pepper",
    "the Ministry of Trade and Industry",
    "the presidents of Russia and China",
    "Mr. Kim, the North Korean leader",
])
def test_what_is_no_coordination_of_actors_stays_whole(span):
    text = f"Yesterday {span} arrived."
    s = text.index(span)
    mentions = [(text.index("Ministry"), text.index("Industry") + 8)] if "Ministry" in span else []
    assert split_conjuncts(text, s, s + len(span), mentions) == [(s, s + len(span))]


def test_it_does_not_skip_a_nearer_city_for_a_country_in_a_coordination():
    """The seed's "delivered it": kyiv, not the United States, which is one of
    "the United States and several European countries" (a "they")."""
    text = ("The authorization given to kyiv by the United States and several European "
            "countries to strike the Russian territory with the Western missiles delivered to it.")
    forms = [("kyiv", "ORG"), ("United States", "ORG")]
    out = resolve(text, forms, [
        (text, "given", {"who": "the United States and several European countries",
                         "target": "kyiv", "obj": "The authorization"}),
        (text, "delivered", {"target": "it", "obj": "the Western missiles"}),
    ])
    assert triples(out[1].target_actors) == [("kyiv", "UKR", "GOV")]
    assert [a.text for a in out[0].who_actors] == ["the United States", "several European countries"]


def test_it_prefers_a_nearer_inanimate_phrase_to_a_country():
    text = ("Russia and North Korea signed a defense agreement on Wednesday.\n"
            "Seoul said the agreement was dangerous because it only applies in a war.")
    forms = [("Russia", "LOC"), ("North Korea", "LOC"), ("Seoul", "LOC")]
    out = resolve(text, forms, [
        ("Russia and North Korea signed a defense agreement", "signed",
         {"who": "Russia and North Korea", "obj": "a defense agreement"}),
        ("Seoul said the agreement", "said", {"who": "Seoul"}),
        ("the agreement was dangerous", "was", {"who": "the agreement",
                                                "roles": [("ARG1", "the agreement")]}),
        ("because it only applies", "applies", {"who": "it"}),
    ])
    assert out[3].who_actors[0].country is None  # the agreement, not Seoul or a country
    assert triples(out[0].who_actors) == [("Russia", "RUS", "GOV"), ("North Korea", "PRK", "GOV")]


# --------------------------------------------------------------------------- sectors

@pytest.mark.parametrize("text, sector", [
    ("the Russian military", "MIL"), ("Riot police", "COP"), ("opposition leader", "OPP"),
    ("Houthi rebels", "REB"), ("the Labour Party", "PTY"), ("the Supreme Court", "JUD"),
    ("lawmakers", "LEG"), ("Reuters", "MED"), ("protesters", "CVL"), ("refugees", "REF"),
    ("Amnesty International", "NGO"), ("the teachers' union", "LAB"), ("the ministry", "GOV"),
    ("security forces", "COP"), ("a Shiite cleric", "REL"), ("drug cartels", "CRM"),
])
def test_sector_of_a_description(text, sector):
    assert sector_of_text(text) == sector


@pytest.mark.parametrize("titles, sector", [
    ({"russian", "president"}, "GOV"), ({"opposition", "leader"}, "OPP"),
    ({"general"}, "MIL"), ({"secretary-general"}, None), ({"rebel", "commander"}, "REB"),
    ({"foreign", "minister"}, "GOV"), ({"senator"}, "LEG"),
])
def test_sector_of_a_person_from_titles(titles, sector):
    assert sector_of_person(titles) == sector


def test_sectors_on_sentences():
    text = ("The Russian military shelled Kharkiv overnight.\n"
            "Riot police fired tear gas at protesters in Nairobi.\n"
            "Opposition leader Raila Odinga called for new protests.")
    forms = [("Kharkiv", "LOC"), ("Nairobi", "LOC"), ("Raila Odinga", "PER")]
    out = resolve(text, forms, [
        ("The Russian military shelled Kharkiv", "shelled",
         {"who": "The Russian military", "target": "Kharkiv"}),
        ("Riot police fired tear gas at protesters", "fired",
         {"who": "Riot police", "target": "protesters"}),
        ("Opposition leader Raila Odinga called", "called",
         {"who": "Opposition leader Raila Odinga"}),
    ])
    assert triples(out[0].who_actors) == [(None, "RUS", "MIL")]
    assert out[0].target_actors[0].country == "UKR"  # a city named as the target
    assert out[1].who_actors[0].sector == "COP" and out[1].target_actors[0].sector == "CVL"
    assert triples(out[2].who_actors) == [("Raila Odinga", "KEN", "OPP")]  # a known leader


def test_domestic_actors_take_the_events_place_then_the_dateline():
    import dataclasses

    text = "Riot police fired tear gas at protesters in Nairobi."
    ev = event(text, text, "fired", who="Riot police", target="protesters")
    ev = dataclasses.replace(ev, location="in Nairobi", location_country="KEN")
    out = resolve_actors(text, [ev], [])
    assert [a.country for a in out[0].who_actors + out[0].target_actors] == ["KEN", "KEN"]

    text = "LAGOS, Nigeria (Reuters) - Soldiers dispersed protesters on Monday."
    out = resolve(text, [], [(text, "dispersed", {"who": "Soldiers", "target": "protesters"})])
    assert [(a.country, a.sector) for a in out[0].who_actors + out[0].target_actors] == [
        ("NGA", "MIL"), ("NGA", "CVL")]


def test_a_named_person_never_takes_the_events_place():
    import dataclasses

    text = "Anna Keller met officials in Cairo."
    ev = event(text, text, "met", who="Anna Keller", target="officials")
    ev = dataclasses.replace(ev, location="in Cairo", location_country="EGY")
    out = resolve_actors(text, [ev], ner_mentions(text, [("Anna Keller", "PER"),
                                                         ("Cairo", "LOC")]))
    assert out[0].who_actors[0].country is None  # the visitor is no Egyptian
    assert out[0].target_actors[0].country == "EGY"  # the officials he met are


@pytest.mark.parametrize("text, code", [
    ("KABUL, Afghanistan (Reuters) — The president said", "AFG"),
    ("MOSCOW — Russia said", "RUS"), ("NAIROBI, June 5 (Reuters) - Police", "KEN"),
    ("Kyiv (AP) — Ukraine", "UKR"), ("Officials said - nothing", None),
    ("The US and Britain said", None),
])
def test_dateline(text, code):
    assert dateline_country(text) == code


# --------------------------------------------------------------------------- persons' countries

def test_a_persons_country_from_an_appositive_carries_to_later_mentions():
    text = ("Mr. Kim, the North Korean leader, inspected a missile launch on Sunday.\n"
            "He threatened South Korea with a nuclear response.")
    forms = [("Kim", "PER"), ("South Korea", "LOC")]
    out = resolve(text, forms, [
        ("Mr. Kim, the North Korean leader, inspected", "inspected",
         {"who": "Mr. Kim, the North Korean leader"}),
        ("He threatened South Korea", "threatened", {"who": "He", "target": "South Korea"}),
    ])
    assert triples(out[0].who_actors) == [("Kim", "PRK", "GOV")]
    assert triples(out[1].who_actors) == [("Kim", "PRK", "GOV")]
    assert triples(out[1].target_actors) == [("South Korea", "KOR", "GOV")]


def test_a_persons_country_from_a_possessive_title():
    text = "Iran's Foreign Minister Abbas Araghchi met reporters. Araghchi rejected the plan."
    out = resolve(text, [("Abbas Araghchi", "PER"), ("Araghchi", "PER")], [
        ("Araghchi rejected", "rejected", {"who": "Araghchi"})])
    assert triples(out[0].who_actors) == [("Abbas Araghchi", "IRN", "GOV")]


# --------------------------------------------------------------------------- IGOs and groups

@pytest.mark.parametrize("name, code", [
    ("the European Union", "EU"), ("NATO", "NATO"), ("the United Nations", "UN"),
    ("UNHCR", "UN"), ("the African Union", "AU"), ("ASEAN", "ASEAN"), ("OPEC", "OPEC"),
    ("the IAEA", "IAEA"), ("the International Criminal Court", "ICC"), ("the IMF", "IMF"),
    ("the World Health Organization", "WHO"), ("the WTO", "WTO"), ("the Arab League", "LAS"),
    ("the Gulf Cooperation Council", "GCC"), ("ECOWAS", "ECOWAS"),
])
def test_every_common_igo_has_its_code(name, code):
    assert code in IGOS
    assert country_code(name) == code


@pytest.mark.parametrize("name, code, sector", [
    ("Hamas", "PSE", "REB"), ("Hezbollah", "LBN", "REB"), ("the Taliban", "AFG", "GOV"),
    ("al-Shabaab", "SOM", "REB"), ("Islamic State", None, "REB"), ("the IRGC", "IRN", "MIL"),
])
def test_armed_groups_have_a_country_and_a_sector(name, code, sector):
    assert country_code(name) == code
    assert group_sector(name) == sector


@pytest.mark.parametrize("names, code", [
    (["Mahmoud Abbas"], "PSE"), (["Liz Truss"], "GBR"), (["Kyriakos Mitsotakis"], "GRC"),
    (["President Erdogan's"], "TUR"), (["Putin’s"], "RUS"), (["Anna Keller"], None),
])
def test_a_leaders_name_ending_in_s_or_possessive(names, code):
    from pipeline.nlp.actors.article import leader_country

    assert leader_country(names) == code


def test_actor_record_is_what_the_schema_writes():
    from schemas.events import ACTOR_STRUCT

    assert [f.name for f in ACTOR_STRUCT] == list(Actor.__dataclass_fields__)
