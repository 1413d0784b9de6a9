"""Actor sectors: "the Russian military" -> MIL, "opposition leader" -> OPP, "riot police" -> COP.

The code set is ``schemas.events.SECTORS`` (after the CAMEO actor types and
PLOVER's actor attributes; docs/ACTORS.md, "Sectors"). A sector is read from
words of the text, never guessed:

* a person's title words ("President", "Gen.", "opposition leader", "cleric")
  and the head nouns of descriptions ("troops", "protesters", "the ministry");
* words in an organisation's own name ("Ministry of Defence" -> GOV, "Labour
  Party" -> PTY, "Supreme Court" -> JUD, "Reuters" is MED by the news-agency
  list);
* the country gazetteer: a state named as an actor ("Russia", "Seoul", "the
  Kremlin") is its government, GOV; an IGO code is IGO.

Two-word phrases come before single words, so "opposition leader" is OPP (not
the GOV of "leader") and "riot police" COP. The tables follow the CAMEO
agents dictionary's categories (PETRARCH's ``Phoenix.agents.txt``: GOV, MIL,
REB, OPP, PTY, COP, JUD, LEG, MED, BUS, CVL, REF, IGO, NGO, LAB, REL, EDU, HLH,
CRM, SPY), written out here for English news words; no maintained package
ships that dictionary.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple

from pipeline.nlp.gazetteer.curated import GROUPS
from pipeline.nlp.text import words as split_words

# phrase (lower case, singular or plural as written) -> sector; checked before words
PHRASES = {
    "opposition leader": "OPP", "opposition leaders": "OPP", "opposition party": "OPP",
    "opposition supporters": "OPP", "opposition figure": "OPP", "opposition lawmakers": "OPP",
    "riot police": "COP", "security forces": "COP", "police officers": "COP",
    "border guards": "COP", "border police": "COP", "police chief": "COP",
    "national guard": "MIL", "armed forces": "MIL", "air force": "MIL", "defence forces": "MIL",
    "defense forces": "MIL", "special forces": "MIL", "peacekeeping force": "MIL",
    "peacekeeping forces": "MIL", "coast guard": "MIL", "revolutionary guards": "MIL",
    "defence minister": "GOV", "defense minister": "GOV", "foreign minister": "GOV",
    "interior minister": "GOV", "prime minister": "GOV", "head of state": "GOV",
    "supreme leader": "GOV", "secretary of state": "GOV", "white house": "GOV",
    "rebel leader": "REB", "rebel group": "REB", "armed group": "REB", "militant group": "REB",
    "insurgent group": "REB", "rebel forces": "REB", "rebel fighters": "REB",
    "human rights group": "NGO", "rights group": "NGO", "aid group": "NGO", "aid agency": "NGO",
    "aid workers": "NGO", "charity": "NGO", "red cross": "NGO", "red crescent": "NGO",
    "amnesty international": "NGO", "human rights watch": "NGO",
    "doctors without borders": "NGO", "médecins sans frontières": "NGO",
    "trade union": "LAB", "labor union": "LAB", "labour union": "LAB",
    "central bank": "GOV", "news agency": "MED", "state media": "MED", "state television": "MED",
    "intelligence service": "SPY", "intelligence agency": "SPY", "spy agency": "SPY",
    "health workers": "HLH", "health officials": "GOV", "health ministry": "GOV",
    "attorney general": "JUD", "attorney-general": "JUD", "prosecutor's office": "JUD",
    "public prosecutor": "JUD", "supreme court": "JUD", "constitutional court": "JUD", "high court": "JUD",
    "drug cartel": "CRM", "crime boss": "CRM", "human traffickers": "CRM",
    "displaced people": "REF", "asylum seekers": "REF", "asylum-seekers": "REF",
}

# single word (lower case) -> sector; plural forms listed where they differ
WORDS = {
    # government and its people
    "government": "GOV", "governments": "GOV", "administration": "GOV", "ministry": "GOV",
    "ministries": "GOV", "minister": "GOV", "ministers": "GOV", "president": "GOV",
    "presidents": "GOV", "premier": "GOV", "chancellor": "GOV", "cabinet": "GOV",
    "king": "GOV", "queen": "GOV", "emir": "GOV", "sultan": "GOV", "monarch": "GOV",
    "crown": "GOV", "prince": "GOV", "leader": "GOV", "leaders": "GOV", "leadership": "GOV",
    "official": "GOV", "officials": "GOV", "authorities": "GOV", "authority": "GOV",
    "diplomat": "GOV", "diplomats": "GOV", "ambassador": "GOV", "envoy": "GOV",
    "envoys": "GOV", "embassy": "GOV", "spokesman": "GOV", "spokeswoman": "GOV",
    "spokesperson": "GOV", "governor": "GOV", "mayor": "GOV", "regime": "GOV",
    "kremlin": "GOV", "secretary": "GOV", "department": "GOV", "negotiators": "GOV",
    "negotiator": "GOV", "junta": "GOV", "state": "GOV", "treasury": "GOV",
    "prisoners": "CVL", "detainees": "CVL", "hostages": "CVL",
    # armed forces
    "military": "MIL", "militaries": "MIL", "army": "MIL", "armies": "MIL", "troops": "MIL",
    "troop": "MIL", "soldier": "MIL", "soldiers": "MIL", "navy": "MIL", "forces": "MIL",
    "general": "MIL", "gen.": "MIL", "commander": "MIL", "commanders": "MIL",
    "colonel": "MIL", "col.": "MIL", "admiral": "MIL", "marines": "MIL", "warplanes": "MIL",
    "jets": "MIL", "artillery": "MIL", "paratroopers": "MIL", "peacekeepers": "MIL",
    "battalion": "MIL", "brigade": "MIL", "sailors": "MIL", "pilots": "MIL",
    "drones": "MIL", "drone": "MIL", "missiles": "MIL", "warships": "MIL", "tanks": "MIL",
    # rebels and armed groups
    "rebels": "REB", "rebel": "REB", "insurgents": "REB", "insurgent": "REB",
    "militants": "REB", "militant": "REB", "guerrillas": "REB", "guerrilla": "REB",
    "fighters": "REB", "militia": "REB", "militias": "REB", "militiamen": "REB",
    "jihadists": "REB", "jihadist": "REB", "separatists": "REB", "separatist": "REB",
    "gunmen": "REB", "insurgency": "REB", "extremists": "REB", "terrorists": "REB",
    # opposition, parties, legislature, courts
    "opposition": "OPP", "dissident": "OPP", "dissidents": "OPP",
    "party": "PTY", "parties": "PTY",
    "parliament": "LEG", "parliaments": "LEG", "lawmaker": "LEG", "lawmakers": "LEG",
    "legislator": "LEG", "legislators": "LEG", "legislature": "LEG", "senator": "LEG",
    "senators": "LEG", "sen.": "LEG", "congressman": "LEG", "congresswoman": "LEG",
    "congress": "LEG", "senate": "LEG", "mps": "LEG", "mp": "LEG", "deputies": "LEG",
    "duma": "LEG", "knesset": "LEG", "assembly": "LEG", "rep.": "LEG",
    "court": "JUD", "courts": "JUD", "judge": "JUD", "judges": "JUD", "judiciary": "JUD",
    "prosecutor": "JUD", "prosecutors": "JUD", "tribunal": "JUD", "justice": "JUD",
    # police
    "police": "COP", "policemen": "COP", "policeman": "COP", "officers": "COP",
    "gendarmes": "COP", "gendarmerie": "COP",
    # society
    "journalist": "MED", "journalists": "MED", "reporter": "MED", "reporters": "MED",
    "newspaper": "MED", "media": "MED", "correspondent": "MED", "editor": "MED",
    "broadcaster": "MED", "television": "MED",
    "company": "BUS", "companies": "BUS", "firm": "BUS", "firms": "BUS", "corporation": "BUS",
    "business": "BUS", "businesses": "BUS", "businessman": "BUS", "executive": "BUS",
    "executives": "BUS", "ceo": "BUS", "investors": "BUS", "banks": "BUS", "bank": "BUS",
    "airline": "BUS", "producer": "BUS", "producers": "BUS", "traders": "BUS",
    "civilians": "CVL", "civilian": "CVL", "protesters": "CVL", "protester": "CVL",
    "demonstrators": "CVL", "residents": "CVL", "villagers": "CVL", "citizens": "CVL",
    "people": "CVL", "crowd": "CVL", "crowds": "CVL", "activists": "CVL", "activist": "CVL",
    "voters": "CVL", "farmers": "CVL", "families": "CVL", "women": "CVL", "children": "CVL",
    "refugees": "REF", "refugee": "REF", "migrants": "REF", "migrant": "REF",
    "ngo": "NGO", "ngos": "NGO", "charities": "NGO",
    "union": "LAB", "unions": "LAB", "workers": "LAB", "strikers": "LAB",
    "cleric": "REL", "clerics": "REL", "imam": "REL", "imams": "REL", "bishop": "REL",
    "bishops": "REL", "pope": "REL", "ayatollah": "REL", "church": "REL", "rabbi": "REL",
    "priest": "REL", "priests": "REL", "mosque": "REL", "monks": "REL",
    "university": "EDU", "universities": "EDU", "students": "EDU", "student": "EDU",
    "teachers": "EDU", "school": "EDU", "schools": "EDU", "professor": "EDU",
    "doctors": "HLH", "hospital": "HLH", "hospitals": "HLH", "nurses": "HLH",
    "medics": "HLH",
    "gang": "CRM", "gangs": "CRM", "cartel": "CRM", "cartels": "CRM", "smugglers": "CRM",
    "traffickers": "CRM", "criminals": "CRM", "pirates": "CRM", "mafia": "CRM",
    "intelligence": "SPY", "spies": "SPY", "spy": "SPY",
}

# news organisations named as actors (MED): the wire services and largest outlets
NEWS_ORGS = {
    "reuters", "associated press", "ap", "afp", "agence france-presse", "bbc", "cnn",
    "al jazeera", "xinhua", "tass", "ria novosti", "interfax", "kcna", "yonhap", "irna",
    "anadolu", "new york times", "washington post", "wall street journal", "bloomberg",
    "the guardian", "guardian", "financial times", "fox news", "nbc", "abc", "cbs",
    "nyt", "the new york times", "the washington post", "msm", "le monde", "der spiegel",
}

# words that alone do not decide (a "general secretary" is no soldier; "party
# leader" is the party's): when one of these is the head, a modifier decides
_WEAK = {"leader", "leaders", "leadership", "official", "officials", "spokesman",
         "spokeswoman", "spokesperson", "secretary", "general", "state", "people"}


# (alias, country, sector) of the armed groups and movements the gazetteer
# knows, longest alias first: "Kataib Hezbollah" is not Hezbollah
_GROUP_ALIASES = sorted(((a, code, sector) for _, (code, sector, aliases) in GROUPS.items()
                         for a in aliases), key=lambda t: -len(t[0]))


_GROUP_OF = {alias: (code, sector) for alias, code, sector in _GROUP_ALIASES}
# one pattern for all (compiled once: a search per alias was most of resolve's time);
# case as written ("LeT" is no "let"); the leftmost name wins, the longest at one place
_GROUP_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a, _, _ in _GROUP_ALIASES)
                       + r")(?![\w-])")


def known_group(text: str) -> Optional[Tuple[Optional[str], str]]:
    """(country, sector) of a known armed group or movement named in ``text``
    ("Hamas" -> (PSE, REB); "Islamic State" -> (None, REB): transnational),
    or None when none is named."""
    m = _GROUP_RE.search(text)
    return _GROUP_OF[m.group(1)] if m else None


def group_sector(text: str) -> Optional[str]:
    """The sector of a known armed group or movement named in ``text``
    ("Hamas" -> REB, "the Taliban" -> GOV), or None."""
    hit = known_group(text)
    return hit[1] if hit else None


def _tokens(text: str) -> list:
    return [w.lower() for w, _, _ in split_words(text) if w[:1].isalnum()]


def sector_of_words(words: Iterable[str]) -> Optional[str]:
    """The sector named by a sequence of lower-case words (a description or a
    set of title words): a two-word phrase first, then the last strong word
    (the head of an English noun phrase is last), then any weak one."""
    ws = list(words)
    for a, b in zip(ws, ws[1:]):
        hit = PHRASES.get(f"{a} {b}")
        if hit:
            return hit
    strong = [WORDS[w] for w in ws if w in WORDS and w not in _WEAK]
    if strong:
        return strong[-1]
    weak = [WORDS[w] for w in ws if w in WORDS]
    return weak[-1] if weak else None


def sector_of_text(text: str) -> Optional[str]:
    """The sector a description or an organisation's name states, or None."""
    low = re.sub(r"\s+", " ", text.strip().lower())
    low = re.sub(r"^the ", "", low)
    if low in NEWS_ORGS:
        return "MED"
    m = _PHRASE_RE.search(low)  # the leftmost phrase, the longest at one place
    if m:
        return PHRASES[m.group(1)]
    return sector_of_words(_tokens(text))


_PHRASE_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len,
                                                                            reverse=True))
                        + r")(?!\w)")


def sector_of_person(titles: Iterable[str]) -> Optional[str]:
    """A person's sector from the title words gathered from all its mentions
    ("president", "opposition", "leader" -> OPP: the phrase wins)."""
    ts = {t.lower() for t in titles}
    for phrase, code in PHRASES.items():
        a, _, b = phrase.partition(" ")
        if b and a in ts and b in ts:
            return code
    order = ["OPP", "REB", "MIL", "COP", "JUD", "LEG", "REL", "MED", "SPY", "BUS", "LAB",
             "EDU", "HLH", "NGO", "CRM", "PTY", "GOV"]
    found = {WORDS[t] for t in ts if t in WORDS and t not in _WEAK}
    for code in order:  # the most specific role first: a "rebel commander" is REB
        if code in found:
            return code
    if "general" in ts and "secretary" not in ts and "attorney" not in ts:
        return "MIL"  # "General Ahmed"; a secretary-general or attorney general is not
    weak = {WORDS[t] for t in ts if t in WORDS}
    if "GOV" in weak:
        return "GOV"  # "Palestinian leader ..., a refugee himself": his role, not his past
    for code in ("CVL", "REF"):
        if code in found:
            return code
    return None
