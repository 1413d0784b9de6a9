"""Actor resolution (pipeline.nlp.actors) and country/IGO codes (pipeline.nlp.gazetteer)."""
import json
import os
import re

import pytest

from pipeline.nlp.actors import Mention, mentions_from_frames, resolve_actors
from pipeline.records import Event, Role
from pipeline.nlp.gazetteer import country_code, country_name, find_codes, head_phrase
from pipeline.inputs.decoding import normalize_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "seeds", "000_5da39cb2ce26b979.txt")
GOLD = os.path.join(ROOT, "tests", "data", "gold")


# --------------------------------------------------------------------------- helpers

def find(text, context, phrase):
    """Article offsets of ``phrase`` (first whole-word match) inside the unique ``context``."""
    i = text.find(context)
    assert i >= 0 and text.find(context, i + 1) < 0, context
    m = re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", context)
    assert m, (phrase, context)
    return i + m.start(), i + m.end()


def ner_mentions(text, forms):
    """Every whole-word occurrence of each (surface, label), longest first, no overlaps."""
    taken = []
    for surface, label in sorted(forms, key=lambda f: -len(f[0])):
        for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text):
            if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                taken.append((m.start(), m.end(), label))
    lines = [0] + [m.end() for m in re.finditer("\n", text)]
    return [Mention(text[s:e], s, e, lab, sum(1 for x in lines if x <= s) - 1)
            for s, e, lab in sorted(taken)]


def event(text, context, action, who=None, target=None, obj=None, negated=False, roles=()):
    """An ``Event`` as ``decode`` makes it, offsets found inside ``context``."""
    spans = {}
    for name, phrase in (("who", who), ("target", target), ("object", obj)):
        if phrase is None:
            spans.update({name: None, f"{name}_start": None, f"{name}_end": None})
        else:
            s, e = find(text, context, phrase)
            spans.update({name: text[s:e], f"{name}_start": s, f"{name}_end": e})
    a_start, a_end = find(text, context, action)
    return Event(event_id=f"e-{context[:12]}-{action}", article_id="seed",
                 sentence_index=text[:text.find(context)].count("\n"), sentence=context,
                 action=action, action_lemma=action, action_start=a_start, action_end=a_end,
                 negated=negated, modality=None, factuality="asserted", confidence=0.9,
                 model="test",
                 roles=tuple(Role(label, None, text[s:e], s, e, 0.9)
                             for label, (s, e) in ((lb, find(text, context, ph))
                                                   for lb, ph in roles)),
                 **spans)


# --------------------------------------------------------------------------- the seed

@pytest.fixture(scope="module")
def seed():
    with open(SEED, encoding="utf-8") as f:
        text = normalize_text(f.read())
    with open(os.path.join(GOLD, "seed_ner.jsonl"), encoding="utf-8") as f:
        forms = [(d["text"], d["label"]) for d in map(json.loads, f) if d]
    mentions = ner_mentions(text, forms)
    E = lambda *a, **k: event(text, *a, **k)  # noqa: E731
    rows = {
        "said0": E("Russian President Vladimir Putin said Thursday", "said",
                   who="Russian President Vladimir Putin"),
        "threatened": E("Mr. Putin had already threatened at the beginning of June to deliver weapons",
                        "threatened", who="Mr. Putin", target="deliver weapons"),
        "reserve": E("“We reserve the right to supply weapons", "reserve", who="We",
                     target="the right to supply weapons"),
        "rule_out": E("and I do not rule out this possibility", "rule out", who="I",
                      target="this possibility", negated=True),
        "told": E("Putin told reporters", "told", who="Putin", target="reporters"),
        "warned": E("He also warned South Korea against any arms supplies to Ukraine", "warned",
                    who="He", target="South Korea", obj="any arms supplies to Ukraine",
                    roles=[("ARG0", "He"), ("ARG2", "South Korea"),
                           ("ARG1", "against any arms supplies to Ukraine")]),
        "announced": E("while Seoul announced that it would “reconsider” its policy banning such deliveries",
                       "announced", who="Seoul",
                       target="that it would “reconsider” its policy banning such deliveries",
                       roles=[("ARG0", "Seoul"),
                              ("ARG1", "that it would “reconsider” its policy banning such deliveries")]),
        "reconsider": E("that it would “reconsider” its policy banning such deliveries", "reconsider",
                        who="it", target="its policy banning such deliveries",
                        roles=[("ARG0", "it"), ("ARG1", "its policy banning such deliveries")]),
        "signing": E("the signing of a defense agreement between North Korea and Russia", "signing",
                     target="a defense agreement between North Korea and Russia"),
        "hope": E("I hope this doesn’t happen", "hope", who="I", target="this doesn’t happen"),
        "please": E("which is unlikely to please the South Korean leadership", "please",
                    who="which", target="the South Korean leadership"),
        "said4": E("Mr. Putin said.", "said", who="Mr. Putin"),
        "assured5": E("The Russian president assured that Seoul had", "assured",
                      who="The Russian president", target="that Seoul had"),
        "worry": E("Seoul had “no need to worry” about this defense agreement between Pyongyang and Moscow",
                   "worry", who="Seoul",
                   target="this defense agreement between Pyongyang and Moscow",
                   roles=[("ARG0", "Seoul"),
                          ("ARG1", "about this defense agreement between Pyongyang and Moscow")]),
        "applies": E("because it only applies “in the event of aggression", "applies",
                     target="it", roles=[("ARG1", "it"), ("ARGM-ADV", "only")]),
        "continued": E("continued Vladimir Putin", "continued", who="Vladimir Putin"),
        "requested": E("that Russia had not requested direct military involvement from North Korea",
                       "requested", who="Russia", target="North Korea",
                       obj="direct military involvement", negated=True),
        "asking": E("“We’re not asking anyone for it", "asking", who="We", target="anyone",
                    negated=True),
        "offered": E("no one has offered it to us", "offered", who="no one", target="us", obj="it"),
        "criticized": E("The Russian president also criticized NATO’s expansion in Asia", "criticized",
                        who="The Russian president", target="NATO’s expansion in Asia"),
        "establishing": E("“NATO is establishing itself there", "establishing", who="NATO",
                          target="itself"),
        "obliged": E("We are obliged to react", "obliged", who="We"),
        "said9": E("and we will,” he said", "said", who="he"),
    }
    names = list(rows)
    out = resolve_actors(text, [rows[n] for n in names], mentions)
    return {"text": text, "mentions": mentions, "in": rows, "out": dict(zip(names, out))}


def test_seed_warned_event(seed):
    r = seed["out"]["warned"]
    assert r.who == "He"  # the raw span is kept
    assert r.who_resolved == "Vladimir Putin"
    assert r.who_country == "RUS"
    assert r.target_resolved == "South Korea"
    assert r.target_country == "KOR"


def test_seed_announced_and_it(seed):
    r = seed["out"]["announced"]
    assert (r.who_resolved, r.who_country) == ("Seoul", "KOR")
    r = seed["out"]["reconsider"]
    assert r.who == "it"
    assert (r.who_resolved, r.who_country) == ("Seoul", "KOR")


def test_seed_criticized_targets_nato(seed):
    r = seed["out"]["criticized"]
    assert r.who == "The Russian president"
    assert (r.who_resolved, r.who_country) == ("Vladimir Putin", "RUS")
    assert r.target == "NATO’s expansion in Asia"
    assert "NATO" in r.target_resolved
    assert r.target_country == "NATO"


@pytest.mark.parametrize("name", ["said0", "threatened", "told", "rule_out", "hope", "said4",
                                  "assured5", "continued", "criticized", "said9"])
def test_seed_putin_in_every_guise(seed, name):
    r = seed["out"][name]
    assert (r.who_resolved, r.who_country) == ("Vladimir Putin", "RUS"), r.who


@pytest.mark.parametrize("name,role", [("reserve", "who"), ("asking", "who"),
                                       ("obliged", "who"), ("offered", "target")])
def test_seed_we_in_quotes_is_the_speakers_side(seed, name, role):
    r = seed["out"][name]
    assert (getattr(r, f"{role}_resolved"), getattr(r, f"{role}_country")) == ("Russia", "RUS")


def test_seed_other_actors(seed):
    out = seed["out"]
    assert (out["requested"].who_resolved, out["requested"].who_country) == ("Russia", "RUS")
    assert (out["requested"].target_resolved, out["requested"].target_country) == (
        "North Korea", "PRK")
    assert (out["establishing"].who_resolved, out["establishing"].who_country) == (
        "NATO", "NATO")
    assert (out["worry"].who_resolved, out["worry"].who_country) == ("Seoul", "KOR")
    # a description with a demonym: a country, no named entity
    assert out["please"].target_resolved is None
    assert out["please"].target_country == "KOR"
    # no actor: a relative pronoun, "no one", an event with no who
    assert out["please"].who_resolved is None and out["please"].who_country is None
    assert out["offered"].who_resolved is None
    assert out["signing"].who_resolved is None and out["signing"].who_country is None


def test_seed_it_blocked_by_a_nearer_non_actor_phrase(seed):
    # "... this defense agreement between Pyongyang and Moscow because it only applies":
    # "it" is the agreement, not Moscow
    r = seed["out"]["applies"]
    assert r.target == "it"
    assert r.target_resolved is None and r.target_country is None


def test_seed_rows_are_copies(seed):
    import dataclasses

    for name, ev in seed["in"].items():
        assert ev.who_resolved is None and ev.who_country is None  # the input is not changed
        out = seed["out"][name]
        resolved = ("who_resolved", "who_country", "target_resolved", "target_country")
        assert dataclasses.replace(out, who_actors=(), target_actors=(),
                                   **{k: None for k in resolved}) == ev


# --------------------------------------------------------------------------- mechanisms

def _resolve(text, forms, rows_spec):
    mentions = ner_mentions(text, forms)
    rows = [event(text, *spec[:2], **spec[2]) for spec in rows_spec]
    return resolve_actors(text, rows, mentions)


def test_quote_speaker_patterns():
    text = ("“We will respond,” Foreign Minister Sergei Lavrov said.\n"
            "Scholz said: “I am ready to talk to Moscow.”\n"
            "“I doubt it,” said Emmanuel Macron, the French president.")
    forms = [("Sergei Lavrov", "PER"), ("Scholz", "PER"), ("Moscow", "LOC"),
             ("Emmanuel Macron", "PER")]
    out = _resolve(text, forms, [
        ("“We will respond", "respond", {"who": "We"}),
        ("“I am ready", "am", {"who": "I"}),
        ("“I doubt it", "doubt", {"who": "I"}),
    ])
    # the speaker's side: his country, which the leaders table knows
    assert (out[0].who_resolved, out[0].who_country) == ("Russia", "RUS")
    assert out[1].who_resolved == "Scholz"
    assert (out[2].who_resolved, out[2].who_country) == ("Emmanuel Macron", "FRA")


def test_first_person_outside_quotes_is_unknown():
    text = "I think NATO is wrong.\nWe disagree with NATO."
    out = _resolve(text, [("NATO", "ORG")], [
        ("I think NATO", "think", {"who": "I"}),
        ("We disagree", "disagree", {"who": "We"}),
    ])
    assert out[0].who_resolved is None and out[1].who_resolved is None


def test_pronoun_agreement_and_coargument_exclusion():
    text = ("Joe Biden met Emmanuel Macron at the Elysee.\n"
            "Biden praised him and the European Union, saying it had shown unity.\n"
            "The Pentagon said they would send more troops.")
    forms = [("Joe Biden", "PER"), ("Biden", "PER"), ("Emmanuel Macron", "PER"),
             ("Elysee", "LOC"), ("European Union", "ORG"), ("Pentagon", "ORG")]
    out = _resolve(text, forms, [
        ("Biden praised him", "praised", {"who": "Biden", "target": "him"}),
        ("saying it had shown unity", "shown", {"who": "it"}),
        ("said they would send", "send", {"who": "they"}),
    ])
    assert out[0].who_resolved == "Joe Biden"
    assert out[0].target_resolved == "Emmanuel Macron"  # "him" is not his own subject
    assert (out[1].who_resolved, out[1].who_country) == ("European Union", "EU")
    assert (out[2].who_resolved, out[2].who_country) == ("Pentagon", "USA")


def test_clusters_names_acronyms_and_countries():
    text = ("The Coalition Provisional Authority met Hillary Clinton and Bill Clinton in the United States.\n"
            "The CPA thanked Bill.\n"
            "Later the US and Hillary Clinton's team spoke.")
    forms = [("Coalition Provisional Authority", "ORG"), ("CPA", "ORG"), ("Hillary Clinton", "PER"),
             ("Bill Clinton", "PER"), ("Bill", "PER"), ("United States", "LOC"), ("US", "LOC")]
    out = _resolve(text, forms, [
        ("The CPA thanked Bill", "thanked", {"who": "The CPA", "target": "Bill"}),
        ("Later the US and Hillary Clinton's team spoke", "spoke", {"who": "the US and Hillary Clinton's team"}),
    ])
    assert out[0].who_resolved == "Coalition Provisional Authority"
    assert out[0].target_resolved == "Bill Clinton"  # not Hillary: first names differ
    assert (out[1].who_resolved, out[1].who_country) == ("United States", "USA")


def test_descriptions_titles_and_modifiers():
    text = ("South Korean President Yoon Suk Yeol met Chinese Premier Li Qiang.\n"
            "The Chinese premier praised the South Korean president.\n"
            "US troops and the Kremlin watched.")
    forms = [("Yoon Suk Yeol", "PER"), ("Li Qiang", "PER"), ("US", "LOC")]
    out = _resolve(text, forms, [
        ("The Chinese premier praised the South Korean president", "praised",
         {"who": "The Chinese premier", "target": "the South Korean president"}),
        ("US troops and the Kremlin watched", "watched", {"who": "US troops"}),
        ("and the Kremlin watched", "watched", {"who": "the Kremlin"}),
    ])
    assert (out[0].who_resolved, out[0].who_country) == ("Li Qiang", "CHN")
    assert (out[0].target_resolved, out[0].target_country) == ("Yoon Suk Yeol", "KOR")
    assert (out[1].who_resolved, out[1].who_country) == (None, "USA")  # modifier only
    assert (out[2].who_resolved, out[2].who_country) == ("Kremlin", "RUS")


def test_no_mentions_no_events():
    assert resolve_actors("Nothing here.", [], []) == []
    text = "He left."
    out = _resolve(text, [], [("He left", "left", {"who": "He"})])
    assert out[0].who_resolved is None and out[0].who_country is None


def test_mentions_from_frames():
    from pipeline.records import Sentence
    from pipeline.tagger.predictor import Entity, SentenceFrames

    text = "Intro.\nVladimir Putin visited Hanoi."
    start = text.index("Vladimir")
    words = ["Vladimir", "Putin", "visited", "Hanoi", "."]
    starts, pos = [], start
    for w in words:
        pos = text.index(w, pos)
        starts.append(pos)
        pos += len(w)
    sent = Sentence("a", 1, start, len(text), text[start:], tuple(words), tuple(starts),
                    tuple(s + len(w) for s, w in zip(starts, words)))
    frames = SentenceFrames((), (Entity("PER", 0, 1), Entity("LOC", 3, 3)))
    ms = mentions_from_frames(sent, frames)
    assert [(m.text, m.label, m.sentence_index) for m in ms] == [
        ("Vladimir Putin", "PER", 1), ("Hanoi", "LOC", 1)]
    assert all(text[m.start:m.end] == m.text for m in ms)


# --------------------------------------------------------------------------- gazetteer

@pytest.mark.parametrize("text,code", [
    ("Seoul", "KOR"), ("Pyongyang", "PRK"), ("Moscow", "RUS"), ("the Kremlin", "RUS"),
    ("Kremlin", "RUS"), ("Kyiv", "UKR"), ("kyiv", "UKR"), ("Kiev", "UKR"),
    ("Washington", "USA"), ("the White House", "USA"), ("the Pentagon", "USA"),
    ("Beijing", "CHN"), ("Downing Street", "GBR"), ("Tehran", "IRN"),
    ("Russian president", "RUS"), ("The Russian president", "RUS"),
    ("South Korean leadership", "KOR"), ("the South Korean leadership", "KOR"),
    ("North Korean troops", "PRK"), ("NATO’s expansion in Asia", "NATO"), ("NATO", "NATO"),
    ("the EU", "EU"), ("European Union", "EU"), ("Brussels", "EU"), ("the United Nations", "UN"),
    ("U.N.", "UN"), ("US", "USA"), ("U.S.", "USA"), ("the United States", "USA"),
    ("America", "USA"), ("American diplomats", "USA"), ("Britain", "GBR"), ("British", "GBR"),
    ("Chinese", "CHN"), ("Ukrainian forces", "UKR"), ("Iraqi", "IRQ"), ("Pakistani army", "PAK"),
    ("Japanese", "JPN"), ("Mexican", "MEX"), ("Italian", "ITA"), ("Egyptian", "EGY"),
    ("Republic of Korea", "KOR"), ("Korea, Republic of", "KOR"), ("Russian Federation", "RUS"),
    ("Türkiye", "TUR"), ("Turkey", "TUR"), ("Georgia", "GEO"), ("Texas", "USA"),
    ("the president of Russia", "RUS"), ("Russian-backed separatists", "RUS"),
    ("Kyiv-based analysts", "UKR"), ("Nigerian", "NGA"), ("Nigerien", "NER"),
    ("Iraqi Islamic Party", "IRQ"),
])
def test_country_code(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize("text", [
    "us", "he", "it", "turkey", "guinea pig", "Korean", "Congolese", "Al-Qaeda in Afghanistan",
    "the supply of weapons", "", None, "this defense agreement between Pyongyang and Moscow",
])
def test_country_code_none(text):
    assert country_code(text) is None


def test_country_code_whole_name_scan():
    assert country_code("Council on American-Islamic Relations") is None  # head only: "Council"
    assert country_code("Council on American-Islamic Relations", head_only=False) == "USA"


def test_find_codes_offsets_and_names():
    text = "Moscow and Pyongyang signed; NATO's chief and the Kremlin"
    got = [(m.code, text[m.start:m.end]) for m in find_codes(text)]
    assert got == [("RUS", "Moscow"), ("PRK", "Pyongyang"), ("NATO", "NATO"), ("RUS", "the Kremlin")]
    assert country_name("RUS") == "Russia"
    assert country_name("KOR") == "South Korea"
    assert country_name("NATO") == "NATO"
    assert head_phrase("NATO’s expansion in Asia") == "NATO’s expansion"


# --------------------------------------------------------------------------- the gold set

def test_actor_gold_set_accuracy(shared_data):
    """Regression floor on tests/data/gold/actors.jsonl (267 mentions; measured
    0.869 resolution / 0.588 country / 0.625 sector, see docs/ACTORS.md)."""
    import sys

    sys.path.insert(0, ROOT)
    from bench.actors_eval import evaluate

    s = evaluate()
    assert s["n"] >= 260
    assert s["resolution_accuracy"] >= 0.85
    assert s["country_accuracy"] >= 0.56
    assert s["sector_accuracy"] >= 0.60
    assert s["by_group"]["seed"]["country"] >= 0.90
