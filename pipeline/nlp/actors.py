"""Actor resolution within one article: "He" -> "Vladimir Putin", RUS.

``resolve_actors(text, events, mentions)`` returns copies of an article's event
rows with four more columns:

* ``who_resolved`` / ``target_resolved`` -- the fullest name of the entity the
  raw ``who`` / ``target`` span refers to (the raw spans are left as they are);
* ``who_country`` / ``target_country`` -- ISO 3166-1 alpha-3 of that actor, or an
  IGO code (NATO, EU, UN, ...), from :mod:`pipeline.nlp.gazetteer`.

Either is None when unknown. Nothing here is a list of names: the entities are
the article's own named-entity mentions (the tagger's NER head, PER/ORG/LOC),
and every decision is one of the constraints below.

Entities
    Mentions are clustered within the article. PER: a one-word mention joins the
    most recent person whose name contains that word ("Putin", "Usamah"); a
    longer one joins a person with the same surname and the same (or no) first
    name ("Vladimir Putin" ~ "Putin", but "Hillary Clinton" !~ "Bill Clinton").
    Arabic articles are ignored ("al-Sadr" ~ "Muqtada al-Sadr"). ORG/LOC: the
    same name, an acronym of a longer name ("CPA" ~ "Coalition Provisional
    Authority"), or two names of the same country/IGO ("US" ~ "United States");
    a capital stays itself ("Seoul" is not "South Korea"). The *fullest name* of
    an entity is its longest mention.

Titles and countries of people
    The words just before a person's mention ("Russian President Vladimir
    Putin", "Pakistani Prime Minister Nawaz Sharif", "Shiite cleric ..."), an
    appositive after it (", the leader of the militant Lebanese Shiite group
    Hezbollah", ", executive director of the Council on American-Islamic
    Relations"), "X of the ORG" and "X is a Jordanian" give the person title
    words, a country (the gazetteer over those words) and an affiliation (an
    ORG mention inside them). A person's country is the first one any of its
    mentions gives.

Spans
    A ``who``/``target`` span refers to
    1. a pronoun's antecedent when it is a pronoun (or starts with a possessive
       pronoun: "its policy" -> the owner);
    2. a mention that heads the span (nothing but "'s", "of ...", "and ...", a
       comma or the end of the span's head after it): "NATO's expansion in
       Asia" -> NATO, "Anthony Shadid of the Washington Post" -> Anthony Shadid;
       a mention that only modifies a common noun ("US troops") gives the
       country but no entity;
    3. a person by description: a capitalised word of the span that is a known
       surname ("Mr. Putin"), or a head noun among a person's title words with a
       compatible country ("The Russian president" -> the person introduced as
       "Russian President Vladimir Putin"), most recent first;
    4. the gazetteer: a span that is a place/institution name ("the Kremlin")
       resolves to itself; a description with a demonym or country modifier
       ("the South Korean leadership") gets the country only.
    A clause ("that it would ...") is no actor.

Pronouns (recency + agreement, within the article)
    * he/him/his/she/her -> the most recent person (gender is not modelled:
      both resolve to the most recent PER). A non-reflexive pronoun in the
      target is never the same event's ``who`` ("Wolfowitz lied to him").
    * it/its -> the most recent ORG/LOC entity in this or the two previous
      sentences, unless a more recent singular noun phrase that is no actor (a
      role span of some event, e.g. "this defense agreement between Pyongyang
      and Moscow") comes between: then the pronoun is taken to mean that thing
      and resolves to None.
    * they/them/their -> the most recent ORG (then LOC) entity in this or the
      two previous sentences, with the same blocking by plural non-actor spans.
    * Inside a quotation, I/me/my -> the quote's speaker, and we/us/our -> the
      speaker's side: the speaker's organisation when an appositive names one,
      else the speaker's country (by its short name, e.g. "Russia"), else the
      speaker. Quotes are “...” or "..." spans (an unclosed quote ends with its
      paragraph); the speaker is found with the attribution patterns
      ``“...,” X said`` / ``“...,” said X`` / ``X said: “...”`` (said, told,
      added, continued, ...), where X is itself a span resolved as above
      ("he said" -> the most recent person). An unattributed quote continues
      the previous quote's speaker when it follows within a paragraph.
    * I/we outside quotes (the author), you, and anything with no antecedent
      -> None.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from pipeline.nlp import gazetteer as gz

__all__ = ["Mention", "resolve_actors", "mentions_from_frames"]


@dataclass(frozen=True)
class Mention:
    """A named-entity mention: ``text == article_text[start:end]``."""

    text: str
    start: int
    end: int
    label: str  # PER | ORG | LOC (GPE-like places are LOC in Universal NER)
    sentence_index: int = 0


def mentions_from_frames(sentence, frames) -> List[Mention]:
    """``Mention`` objects (article offsets) from a ``records.Sentence`` and the
    tagger's ``SentenceFrames`` (``entities`` hold inclusive word indices)."""
    out = []
    for ent in getattr(frames, "entities", ()) or ():
        s, e = sentence.word_starts[ent.start], sentence.word_ends[ent.end]
        text = sentence.text[s - sentence.start:e - sentence.start]
        if ent.label == "PER" and ent.start == ent.end and gz.country_code(text):
            # a lone nationality word tagged as a person ("Russian" in "Russian
            # President Vladimir Putin") names no one: it is the title's demonym
            continue
        out.append(Mention(text, s, e, ent.label, sentence.sentence_index))
    return out


# --------------------------------------------------------------------------- lexicon
# closed-class English words, not names of anything

PRON_3SG_PERSON = {"he", "him", "his", "himself", "she", "her", "hers", "herself"}
PRON_3SG_THING = {"it", "its", "itself"}
PRON_3PL = {"they", "them", "their", "theirs", "themselves"}
PRON_1SG = {"i", "me", "my", "mine", "myself"}
PRON_1PL = {"we", "us", "our", "ours", "ourselves"}
PRONOUNS = PRON_3SG_PERSON | PRON_3SG_THING | PRON_3PL | PRON_1SG | PRON_1PL | {"you", "your"}
POSSESSIVE_DETS = {"his", "her", "its", "their", "our", "my", "your"}
REFLEXIVES = {"himself", "herself", "itself", "themselves", "ourselves", "myself"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those"}
CLAUSE_STARTS = {"that", "whether", "if", "how", "what", "why", "when", "where", "who"}
FUNCTION_WORDS = {
    "the", "a", "an", "of", "and", "or", "but", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "that", "this", "which", "who", "whom", "whose", "is", "was", "are",
    "were", "be", "been", "has", "have", "had", "will", "would", "not", "it", "he", "she",
    "they", "we", "i", "you", "its", "his", "her", "their", "our", "said", "says",
    "told", "against", "between", "after", "before", "while", "when", "if", "than",
}
HEAD_CONTINUATIONS = {"'s", "’s", "'", "’", "of", "and", "or", "&"}
SPEECH_VERBS = {
    "said", "says", "say", "told", "tells", "added", "adds", "continued", "asked",
    "stated", "declared", "insisted", "explained", "noted", "replied", "wrote", "warned",
    "stressed", "argued", "claimed", "announced", "assured", "according", "recalled",
    "concluded", "emphasised", "emphasized", "urged", "tweeted", "posted",
}
ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ul)-", re.IGNORECASE)
WORD_RE = re.compile(r"[^\W_][\w.'’\-]*[\w.]|[^\W_]|[^\w\s]", re.UNICODE)


def _words(text: str, base: int = 0) -> List[Tuple[str, int, int]]:
    out = []
    for m in WORD_RE.finditer(text):
        w, s, e = m.group(0), base + m.start(), base + m.end()
        for suf in ("'s", "’s"):
            if w.endswith(suf) and len(w) > 2:
                out.append((w[:-2], s, e - 2))
                out.append((w[-2:], e - 2, e))
                break
        else:
            if w.endswith(".") and len(w) > 1 and not re.fullmatch(r"(?:[A-Za-z]\.)+|[A-Z][a-z]{0,3}\.", w):
                out.append((w[:-1], s, e - 1))
                out.append((".", e - 1, e))
            else:
                out.append((w, s, e))
    return out


@functools.lru_cache(maxsize=65536)
def _name_tokens(text: str) -> Tuple[str, ...]:
    toks = []
    for w, _, _ in _words(text):
        if not w[:1].isalnum() or w in ("'s", "’s") or w.endswith("."):
            continue  # punctuation, possessive, honorifics ("Mr.", "Gen.")
        w = ARABIC_ARTICLE.sub("", w).lower().replace("’", "'")
        if w and w not in ("-",):
            toks.append(w)
    return tuple(toks)


def _strip_the(s: str) -> str:
    return re.sub(r"^(?:the|The|THE)\s+", "", s.strip())


def _is_plural(word: str) -> bool:
    w = word.lower()
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is"))


# --------------------------------------------------------------------------- entities

@dataclass
class Entity:
    eid: int
    label: str
    members: List[Mention] = field(default_factory=list)
    titles: Set[str] = field(default_factory=set)
    country: Optional[str] = None
    affiliation: Optional[int] = None  # eid of an ORG entity
    tokens: Set[str] = field(default_factory=set)  # name words of all members
    _best: Optional[tuple] = None

    def add(self, m: Mention):
        self.members.append(m)
        self.tokens.update(_name_tokens(m.text))
        key = (len(_name_tokens(m.text)), len(m.text))
        if self._best is None or key > self._best[0]:
            self._best = (key, _strip_the(m.text))

    @property
    def name(self) -> str:
        """The fullest name: the mention with the most name words (then characters)."""
        return self._best[1]


def _acronym(name: str) -> str:
    skip = {"of", "the", "and", "for", "on", "in", "de", "du"}
    return "".join(w[0] for w in re.split(r"[\s\-]+", name) if w and w.lower() not in skip
                   and w[0].isalpha()).upper()


class _Article:
    """Everything known about one article while resolving its events."""

    def __init__(self, text: str, events: Sequence[dict], mentions: Sequence[Mention]):
        self.text = text
        self.events = events
        self.mentions = self._clean(mentions)
        self.paragraphs = self._paragraphs(text)
        self._sentence_index_table()
        self.entities: List[Entity] = []
        self.entity_of: Dict[Tuple[int, int], int] = {}  # (start, end) of mention -> eid
        self._cluster()
        self._people_context()
        self.quotes = self._quotes()
        self.speakers: Dict[int, Optional[Tuple[Optional[int], Optional[str], Optional[str]]]] = {}
        # referring history: (start, end, eid) of mentions and resolved spans
        self.history: List[Tuple[int, int, int]] = [
            (m.start, m.end, self.entity_of[(m.start, m.end)]) for m in self.mentions]
        self.blockers = self._non_actor_spans(events)

    # ---- preparation
    @staticmethod
    def _clean(mentions: Sequence[Mention]) -> List[Mention]:
        out: List[Mention] = []
        for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
            if out and m.start < out[-1].end:
                continue  # overlapping mention: keep the earlier, longer one
            if m.label not in ("PER", "ORG", "LOC") or not m.text.strip():
                continue
            out.append(m)
        return out

    @staticmethod
    def _paragraphs(text: str) -> List[Tuple[int, int]]:
        out, pos = [], 0
        for line in text.split("\n"):
            out.append((pos, pos + len(line)))
            pos += len(line) + 1
        return out

    def paragraph_of(self, pos: int) -> Tuple[int, int]:
        for s, e in self.paragraphs:
            if s <= pos <= e:
                return s, e
        return 0, len(self.text)

    def _sentence_index_table(self):
        """Sorted (offset, sentence index) of everything whose sentence is known."""
        pts = [(m.start, m.sentence_index) for m in self.mentions]
        for ev in self.events:
            if ev.get("sentence_index") is None:
                continue
            for k in ("action_start", "who_start", "target_start"):
                if ev.get(k) is not None:
                    pts.append((ev[k], ev["sentence_index"]))
        pts.sort()
        running, best = [], None
        for pos, si in pts:  # a running maximum: sentence indices never go back
            best = si if best is None else max(best, si)
            running.append((pos, best))
        self._si_pos = [p for p, _ in running]
        self._si_val = [v for _, v in running]

    def sentence_index(self, pos: int) -> Optional[int]:
        """Index of the sentence at ``pos``: that of the last known point before it."""
        k = bisect.bisect_right(self._si_pos, pos)
        return self._si_val[k - 1] if k else None

    def _cluster(self):
        for m in self.mentions:
            eid = self._link(m)
            if eid is None:
                eid = len(self.entities)
                self.entities.append(Entity(eid, m.label))
            self.entities[eid].add(m)
            self.entity_of[(m.start, m.end)] = eid

    def _link(self, m: Mention) -> Optional[int]:
        toks = _name_tokens(m.text)
        if not toks:
            return None
        for ent in reversed(self.entities):
            if m.label == "PER" and ent.label == "PER":
                if len(toks) == 1:
                    if toks[0] in ent.tokens:
                        return ent.eid
                    continue
                for other in ent.members:
                    ot = _name_tokens(other.text)
                    if not ot or ot[-1] != toks[-1]:
                        continue
                    if len(ot) == 1 or ot[0] == toks[0] or set(ot) <= set(toks) or set(toks) <= set(ot):
                        return ent.eid
            elif m.label != "PER" and ent.label != "PER":
                key = _strip_the(m.text).casefold()
                for other in ent.members:
                    okey = _strip_the(other.text).casefold()
                    if key == okey:
                        return ent.eid
                    a, b = _strip_the(m.text), _strip_the(other.text)
                    if (a.isupper() and len(a) >= 2 and " " in b and _acronym(b) == a.replace(".", "")) or \
                            (b.isupper() and len(b) >= 2 and " " in a and _acronym(a) == b.replace(".", "")):
                        return ent.eid
                    ka, kb = gz._lookup(a), gz._lookup(b)
                    if ka and kb and ka[0] == kb[0] and ka[1] in ("country", "alias", "igo") \
                            and kb[1] in ("country", "alias", "igo"):
                        return ent.eid
        return None

    def _people_context(self):
        """Titles, country and affiliation of people; country of ORG/LOC entities."""
        for ent in self.entities:
            if ent.label == "PER":
                for m in ent.members:
                    titles, country, affil = self._context_of(m)
                    ent.titles |= titles
                    if ent.country is None and country:
                        ent.country = country
                    if ent.affiliation is None and affil is not None:
                        ent.affiliation = affil
            else:
                for m in sorted(ent.members, key=lambda m: -len(m.text)):
                    code = gz.country_code(_strip_the(m.text), head_only=False)
                    if code:
                        ent.country = code
                        break
        for ent in self.entities:  # people with no country of their own take their organisation's
            if ent.label == "PER" and ent.country is None and ent.affiliation is not None:
                ent.country = self.entities[ent.affiliation].country

    def _context_of(self, m: Mention) -> Tuple[Set[str], Optional[str], Optional[int]]:
        ps, pe = self.paragraph_of(m.start)
        before = _words(self.text[max(ps, m.start - 100):m.start], max(ps, m.start - 100))
        title_words: List[Tuple[str, int, int]] = []
        for w, s, e in reversed(before):
            if not w[:1].isalnum() or w.lower() in FUNCTION_WORDS - {"the", "a", "an"}:
                break
            if self._inside_mention(s, e):
                break
            title_words.insert(0, (w, s, e))
            if w.lower() in ("the", "a", "an") or len(title_words) >= 5:
                break
        titles = {w.lower() for w, _, _ in title_words if w.lower() not in DETERMINERS}
        country = None
        if title_words:
            country = self._code_of_words(title_words[0][1], title_words[-1][2])
        affil = None
        after = self.text[m.end:min(pe, m.end + 160)]
        app = re.match(r"\s*,\s*((?:the|a|an|[a-z][\w\-]*)\b[^,.;:“”\"]*)", after)
        if app and app.group(1).split()[0].lower() not in FUNCTION_WORDS - {"the", "a", "an"}:
            s = m.end + app.start(1)
            e = m.end + app.end(1)
            for w, _, _ in _words(self.text[s:e]):
                if w[:1].isalpha() and w.lower() not in FUNCTION_WORDS:
                    titles.add(w.lower())
            if country is None:
                country = self._code_of_words(s, e)
            affil = self._org_in(s, e)
        of = re.match(r"\s+of\s+(?:the\s+)?", after)
        if of and affil is None:
            affil = self._org_in(m.end + of.end(), m.end + of.end() + 1, starting=True)
        pred = re.match(r"\s+(?:is|was|,)\s+(?:an?\s+)?([A-Z][\w\-]+)", after)
        if pred and country is None:
            country = gz.country_code(pred.group(1))
        return titles, country, affil

    def _code_of_words(self, s: int, e: int) -> Optional[str]:
        """First gazetteer code in text[s:e], skipping words that are PER mentions."""
        for mt in gz.find_codes(self.text[s:e]):
            if not self._inside_mention(s + mt.start, s + mt.end, labels=("PER",)):
                return mt.code
        return None

    def _inside_mention(self, s: int, e: int, labels=("PER", "ORG", "LOC")) -> bool:
        return any(m.start <= s and e <= m.end and m.label in labels for m in self.mentions)

    def _org_in(self, s: int, e: int, starting: bool = False) -> Optional[int]:
        for m in self.mentions:
            if m.label == "ORG" and ((starting and s <= m.start < e + 1 and m.start - s <= 1)
                                     or (not starting and s <= m.start and m.end <= e)):
                return self.entity_of[(m.start, m.end)]
        return None

    # ---- quotations
    def _quotes(self) -> List[Tuple[int, int]]:
        spans: List[Tuple[int, int]] = []
        for ps, pe in self.paragraphs:
            para = self.text[ps:pe]
            i = 0
            while i < len(para):
                ch = para[i]
                if ch == "“":
                    j = para.find("”", i + 1)
                    j = len(para) if j < 0 else j
                    spans.append((ps + i + 1, ps + j))
                    i = j + 1
                elif ch == '"':
                    j = para.find('"', i + 1)
                    j = len(para) if j < 0 else j
                    spans.append((ps + i + 1, ps + j))
                    i = j + 1
                else:
                    i += 1
        return spans

    def quote_at(self, pos: int) -> Optional[int]:
        for qi, (s, e) in enumerate(self.quotes):
            if s <= pos < e:
                return qi
        return None

    def speaker(self, qi: int) -> Optional[Tuple[Optional[int], Optional[str], Optional[str]]]:
        """(entity id or None, resolved name, country) of quote ``qi``'s speaker."""
        if qi in self.speakers:
            return self.speakers[qi]
        self.speakers[qi] = None  # guards against recursion
        qs, qe = self.quotes[qi]
        ps, pe = self.paragraph_of(qs)
        found = None
        # “...,” X said / “...,” said X
        close = qe + 1 if qe < len(self.text) and self.text[qe] in "”\"" else qe
        after = _words(self.text[close:min(pe, close + 160)], close)
        verb_i = next((k for k, (w, _, _) in enumerate(after[:9])
                       if w.lower() in SPEECH_VERBS), None)
        if verb_i is not None and (not after or after[0][0] in (",", "”", "\"") or
                                   close > qe or after[0][0][:1].isalpha()):
            pre = [t for t in after[:verb_i] if t[0] not in (",", "”", "\"")]
            if pre:
                found = (pre[0][1], pre[-1][2])
            else:
                post = []
                for w, s, e in after[verb_i + 1:]:
                    if w in (",", ".", ";", ":", "“", "\"") or w.lower() in ("on", "in", "at", "during", "after"):
                        break
                    post.append((w, s, e))
                if post:
                    found = (post[0][1], post[-1][2])
        # X said: “...”
        if found is None:
            open_at = qs - 1
            before_text = self.text[max(ps, open_at - 160):open_at]
            mt = re.search(r"([^.!?“”\"]*?)\b(" + "|".join(sorted(SPEECH_VERBS)) +
                           r")\b[^.!?“”\"]{0,30}?[:,]?\s*$", before_text)
            if mt and mt.group(1).strip():
                base = max(ps, open_at - 160)
                s = base + mt.start(1)
                e = base + mt.end(1)
                while s < e and self.text[s].isspace():
                    s += 1
                while e > s and self.text[e - 1].isspace():
                    e -= 1
                found = (s, e)
        if found is not None:
            res = self.resolve_span(found[0], found[1], role="speaker")
            self.speakers[qi] = res
            return res
        # continuation of the previous quote in this or the previous paragraph
        if qi > 0:
            pqs, _ = self.quotes[qi - 1]
            pps, _ = self.paragraph_of(pqs)
            prev_paras = [p for p in self.paragraphs if p[1] < ps]
            if pps == ps or (prev_paras and prev_paras[-1][0] == pps):
                res = self.speaker(qi - 1)
                self.speakers[qi] = res
                return res
        return None

    # ---- blocking spans for it/they
    def _non_actor_spans(self, events) -> List[Tuple[int, int, bool]]:
        """(start, end, plural) of argument spans whose head is no actor."""
        out = set()
        for ev in events:
            for r in ev.get("roles") or ():
                if r.get("label", "").startswith("ARGM") or r.get("start") is None:
                    continue
                s, e, t = r["start"], r["end"], r.get("text") or self.text[r["start"]:r["end"]]
                words = _words(t, s)
                while words and words[0][0].lower() in gz._CUT_WORDS | {"of", "from"}:
                    words = words[1:]
                if not words or words[0][0].lower() in CLAUSE_STARTS | PRONOUNS:
                    continue
                head = gz.head_phrase(self.text[words[0][1]:e])
                hs, he = words[0][1], words[0][1] + len(head)
                if any(hs <= m.start < he for m in self.mentions):
                    continue
                if gz.find_codes(head):
                    continue
                hw = [w for w, _, _ in _words(head) if w[:1].isalpha()]
                if not hw:
                    continue
                out.add((words[0][1], e, _is_plural(hw[-1])))
        return sorted(out)

    # ---- resolution
    def antecedent(self, pos: int, kind: str, exclude: Iterable[int] = ()) -> Optional[int]:
        """Most recent entity before ``pos`` of the kind (person | thing | plural)."""
        exclude = set(exclude)
        here = self.sentence_index(pos)
        best = None
        for s, e, eid in self.history:
            if e > pos or eid in exclude:
                continue
            ent = self.entities[eid]
            if kind == "person" and ent.label != "PER":
                continue
            if kind in ("thing", "plural") and ent.label == "PER":
                continue
            if kind in ("thing", "plural") and here is not None:
                si = self.sentence_index(s)
                if si is not None and here - si > 2:
                    continue
            # they/them: an organisation (a group) before a place
            rank = (1 if kind != "plural" or ent.label == "ORG" else 0, e)
            if best is None or rank > best[3]:
                best = (s, e, eid, rank)
        if best is None:
            return None
        if kind in ("thing", "plural"):
            want_plural = kind == "plural"
            for s, e, plural in self.blockers:
                if e <= pos and e > best[1] and not (s <= pos < e) and plural == want_plural:
                    return None  # a nearer noun phrase that is no actor
                if e <= pos and e == best[1] and s < best[0] and plural == want_plural:
                    return None  # the mention sits inside a larger non-actor phrase
        return best[2]

    def _entity_result(self, eid: Optional[int]):
        if eid is None:
            return None
        ent = self.entities[eid]
        return eid, ent.name, ent.country

    def resolve_pronoun(self, word: str, s: int, e: int, exclude=()) -> Optional[tuple]:
        w = word.lower()
        if w in PRON_1SG or w in PRON_1PL:
            qi = self.quote_at(s)
            if qi is None:
                return None
            spk = self.speaker(qi)
            if spk is None:
                return None
            if w in PRON_1SG:
                return spk
            eid, name, country = spk
            if eid is not None:
                ent = self.entities[eid]
                if ent.label == "PER" and ent.affiliation is not None:
                    return self._entity_result(ent.affiliation)
                if ent.label == "PER" and ent.country:
                    return None, gz.country_name(ent.country), ent.country
            return spk
        if w in PRON_3SG_PERSON:
            return self._entity_result(self.antecedent(s, "person", exclude))
        if w in PRON_3SG_THING:
            return self._entity_result(self.antecedent(s, "thing", exclude))
        if w in PRON_3PL:
            return self._entity_result(self.antecedent(s, "plural", exclude))
        return None

    def resolve_span(self, s: int, e: int, role: str = "who", exclude=()) -> Optional[tuple]:
        """(entity id | None, resolved name | None, country | None) or None."""
        words = [t for t in _words(self.text[s:e], s) if t[0] not in ("“", "”", "\"", "'")]
        while words and words[0][0].lower() in ("the", "a", "an"):
            words = words[1:]
        if not words:
            return None
        first = words[0][0].lower()
        if first in CLAUSE_STARTS and len(words) > 1:
            return None
        # a pronoun, or a possessive one opening the span ("its policy"); "US" is no "us"
        is_pron = first in PRONOUNS and not (words[0][0].isupper() and len(words[0][0]) > 1)
        if is_pron and (len(words) == 1 or first in POSSESSIVE_DETS):
            return self.resolve_pronoun(first, words[0][1], words[0][2],
                                        exclude if first not in REFLEXIVES else ())
        # the span's head: up to the first preposition other than of/from
        head_text = gz.head_phrase(self.text[words[0][1]:e])
        hs, he = words[0][1], words[0][1] + len(head_text)
        inside = [m for m in self.mentions if hs <= m.start and m.end <= he + 1
                  or (m.start < hs < m.end)]
        for m in inside:
            eid = self.entity_of[(m.start, m.end)]
            nxt = [t for t in words if t[1] >= m.end and t[2] <= he]
            if not nxt or nxt[0][0].lower() in HEAD_CONTINUATIONS or nxt[0][0] in (",", "(", ")"):
                return self._entity_result(eid)
            # the mention modifies a common noun ("US troops"): country only
            code = self.entities[eid].country if self.entities[eid].label != "PER" else None
            return (None, None, code) if code else None
        # a person by surname ("Mr. Putin") or by title ("The Russian president")
        caps = [w for w, ws, we in words if ws < he and w[:1].isupper() and w.lower() not in FUNCTION_WORDS]
        toks = {t for w in caps for t in _name_tokens(w)}
        people = [self.entities[eid] for _, _, eid in sorted(self.history, key=lambda h: h[1])
                  if self.entities[eid].label == "PER"]
        for ent in reversed(people):
            if toks and toks & ent.tokens and not gz.country_code(" ".join(caps)):
                return self._entity_result(ent.eid)
        head_words = [w.lower() for w, ws, we in words if ws < he and w[:1].isalpha()]
        code = gz.country_code(head_text)
        if head_words:
            noun = head_words[-1]
            seen, titled = set(), []
            for _, ent_e, eid in sorted(self.history, key=lambda h: -h[1]):
                ent = self.entities[eid]
                if ent_e <= s and ent.label == "PER" and eid not in seen:
                    seen.add(eid)
                    if noun in ent.titles:
                        titled.append(ent)
            # most recent person with that title; a country in the description must
            # agree (a person of that country first, then one of unknown country)
            pick = ([e for e in titled if e.country == code] + [e for e in titled if e.country is None]
                    if code else titled)
            if pick:
                return self._entity_result(pick[0].eid)
        # the gazetteer: a name of a place/institution, or a country modifier
        whole = gz._lookup(head_text.rstrip(".,;:"))
        if whole:
            return None, _strip_the(head_text.rstrip(".,;:")), whole[0]
        if code:
            return None, None, code
        return None

    def remember(self, s: int, e: int, res: Optional[tuple]):
        if res and res[0] is not None:
            self.history.append((s, e, res[0]))


def resolve_actors(text: str, events: List[dict], mentions: List[Mention]) -> List[dict]:
    """Copies of ``events`` (one article) with who/target resolved and coded.

    ``mentions`` are the article's named-entity mentions with article offsets
    (from the tagger's NER head: ``mentions_from_frames``). Events are resolved
    in text order, so a pronoun can rest on an earlier resolved description.
    """
    art = _Article(text, events, mentions)
    out = [dict(ev) for ev in events]
    spans = []
    for i, ev in enumerate(events):
        for role in ("who", "target"):
            s, e = ev.get(f"{role}_start"), ev.get(f"{role}_end")
            if ev.get(role) and s is not None and e is not None:
                spans.append((s, e, i, role))
        for role in ("who", "target"):
            out[i][f"{role}_resolved"] = None
            out[i][f"{role}_country"] = None
    spans.sort(key=lambda t: (t[0], 0 if t[3] == "who" else 1))
    resolved: Dict[Tuple[int, str], Optional[tuple]] = {}
    for s, e, i, role in spans:
        exclude = ()
        if role == "target":
            w = resolved.get((i, "who"))
            if w and w[0] is not None:
                exclude = (w[0],)
        res = art.resolve_span(s, e, role, exclude)
        resolved[(i, role)] = res
        art.remember(s, e, res)
        if res:
            out[i][f"{role}_resolved"] = res[1]
            out[i][f"{role}_country"] = res[2]
    return out
