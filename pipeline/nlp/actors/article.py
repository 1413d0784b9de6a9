"""Everything known about one article while resolving its events (``ArticleContext``)."""
from __future__ import annotations

import bisect
import functools
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from pipeline.nlp import gazetteer as gz
from pipeline.records import Event, Mention

from .entities import Entity, _acronym
from .lexicon import *  # noqa: F401,F403
from pipeline.nlp.text import words as split_words

from .lexicon import _is_plural, _name_tokens, _strip_the
from .quotes import Quotes


def leader_country(names: Iterable[str]) -> Optional[str]:
    """The country of a well-known political leader (``gazetteer.LEADERS``) one
    of ``names`` names in full ("Recep Tayyip Erdogan") or by a surname that
    names that leader alone in the news ("Erdogan"); titles before the name are
    skipped ("President Erdogan")."""
    for name in names:
        words = [w for w in re.split(r"\s+", name.strip()) if w]
        for k in range(len(words)):
            # a possessive off, not every trailing "s" ("Mahmoud Abbas", "Liz Truss")
            tail = re.sub(r"['’]s?$", "", " ".join(words[k:]).rstrip(".,;:"))
            if tail in gz.LEADERS:
                return gz.LEADERS[tail]
            if tail in gz.LEADER_SURNAMES:
                return gz.LEADERS[gz.LEADER_SURNAMES[tail]]
    return None


@functools.lru_cache(maxsize=65536)  # bounded: a nightly run meets new words forever
def _verb_only(word: str) -> bool:
    """A lower-case inflected verb form that opens a phrase: a participle or
    past form ("given", "sent", "delivered"), whose verb lemma differs from
    it; plural nouns ("arms", "weapons") are not."""
    from lemminflect import getAllLemmas

    if not word.islower() or word.endswith("s"):
        return False
    verbs = getAllLemmas(word).get("VERB", ())
    return bool(verbs) and word not in verbs


class ArticleContext(Quotes):
    """Everything known about one article while resolving its events."""

    def __init__(self, text: str, events: Sequence[Event], mentions: Sequence[Mention]):
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
        # (start, end) of the actor spans that resolved to a person (``resolver``):
        # no place is looked up in a person's name ("Kennedy")
        self.person_spans: Set[Tuple[int, int]] = set()

    # ---- preparation
    @staticmethod
    def _clean(mentions: Sequence[Mention]) -> List[Mention]:
        out: List[Mention] = []
        for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
            if out and m.start < out[-1].end:
                continue  # overlapping mention: keep the earlier, longer one
            if m.label not in ("PER", "ORG", "LOC") or not m.text.strip():
                continue
            if m.label == "PER" and gz._lookup(_strip_the(m.text)):
                # a country, IGO or armed group the NER head took for a person
                # ("The European Union", "Kataib Hezbollah"): no one's name
                m = Mention(m.text, m.start, m.end, "ORG", m.sentence_index)
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
            if ev.sentence_index is None:
                continue
            for k in ("action_start", "who_start", "target_start"):
                if getattr(ev, k) is not None:
                    pts.append((getattr(ev, k), ev.sentence_index))
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
        for ent in self.entities:  # and then what a reader knows of a leader's name
            if ent.label == "PER" and ent.country is None:
                ent.country = leader_country(m.text for m in ent.members)

    def _context_of(self, m: Mention) -> Tuple[Set[str], Optional[str], Optional[int]]:
        ps, pe = self.paragraph_of(m.start)
        before = split_words(self.text[max(ps, m.start - 100):m.start], max(ps, m.start - 100))
        title_words: List[Tuple[str, int, int]] = []
        for w, s, e in reversed(before):
            if w in ("'s", "’s"):
                continue  # "Iran's Foreign Minister X": the possessor is the country
            if not w[:1].isalnum() or w.lower() in FUNCTION_WORDS - {"the", "a", "an"}:
                break
            if self._inside_mention(s, e, labels=("PER",)):
                break
            # a place or organisation named before the title belongs to it
            # ("U.S. President George W. Bush", "Delhi police chief KK Paul"):
            # its words are the title's, and it ends the title
            named = self._inside_mention(s, e, labels=("ORG", "LOC"))
            title_words.insert(0, (w, s, e))
            if named and not self._inside_mention(s - 2, s - 1, labels=("ORG", "LOC")):
                break
            if w.lower() in ("the", "a", "an") or len(title_words) >= 5:
                break
        titles = {w.lower() for w, _, _ in title_words if w.lower() not in DETERMINERS}
        country = None
        if title_words:
            country = self._code_of_words(title_words[0][1], title_words[-1][2])
            if country is None:  # a city in the title: "Istanbul Mayor Ekrem Imamoglu"
                from pipeline.nlp.gazetteer.places import place_in_span

                place = place_in_span(self.text[title_words[0][1]:title_words[-1][2]])
                country = place.country if place is not None else None
        affil = None
        after = self.text[m.end:min(pe, m.end + 160)]
        app = re.match(r"\s*,\s*((?:the|a|an|[a-z][\w\-]*)\b[^,.;:“”\"]*)", after)
        if app and app.group(1).split()[0].lower() not in FUNCTION_WORDS - {"the", "a", "an"}:
            s = m.end + app.start(1)
            e = m.end + app.end(1)
            for w, _, _ in split_words(self.text[s:e]):
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

    # ---- blocking spans for it/they
    def _non_actor_spans(self, events) -> List[Tuple[int, int, bool]]:
        """(start, end, plural) of argument spans whose head is no actor."""
        out = set()
        for ev in events:
            for r in ev.roles:
                if r.label.startswith("ARGM") or r.start is None:
                    continue
                s, e, t = r.start, r.end, r.text or self.text[r.start:r.end]
                words = split_words(t, s)
                while words and words[0][0].lower() in gz._CUT_WORDS | {"of", "from"}:
                    words = words[1:]
                if not words or words[0][0].lower() in CLAUSE_STARTS | PRONOUNS:
                    continue
                if _verb_only(words[0][0]):
                    continue  # "given to kyiv": a verb phrase, no noun phrase an "it" could mean
                head = gz.head_phrase(self.text[words[0][1]:e])
                hs, he = words[0][1], words[0][1] + len(head)
                if any(hs <= m.start < he for m in self.mentions):
                    continue
                if gz.find_codes(head):
                    continue
                hw = [w for w, _, _ in split_words(head) if w[:1].isalpha()]
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
            if kind == "thing" and self._in_coordination(s, e):
                continue  # "the United States and several European countries" is a "they"
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

    def _in_coordination(self, s: int, e: int) -> bool:
        """Is text[s:e] a conjunct that another follows ("the United States and
        several European countries")? Such a list is a "they"; its last conjunct,
        the nearest to a later pronoun, may still be an "it" ("praised him and
        the European Union, saying it ...")."""
        return bool(re.match(r"\s+(?:and|or|&)\s", self.text[e:e + 8]))

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
        words = [t for t in split_words(self.text[s:e], s) if t[0] not in ("“", "”", "\"", "'")]
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
        if inside and gz._lookup(_strip_the(head_text.rstrip(".,;:"))):
            # the whole head is a gazetteer name the NER head cut short ("European"
            # of "The European Union"): the name, below, not the fragment
            inside = [m for m in inside if m.end - m.start >= len(_strip_the(head_text))]
        for m in inside:
            eid = self.entity_of[(m.start, m.end)]
            nxt = [t for t in words if t[1] >= m.end and t[2] <= he]
            if not nxt or nxt[0][0].lower() in HEAD_CONTINUATIONS or nxt[0][0] in (",", "(", ")"):
                return self._entity_result(eid)
            # a modifier of a title before a person's name ("U.S. President George
            # W. Bush", "UN Secretary-General Kofi Annan"): the person
            later = [p for p in inside if p.start >= m.end and p.label == "PER"
                     and self.entities[self.entity_of[(p.start, p.end)]].label == "PER"]
            if later and m.label != "PER":
                return self._entity_result(self.entity_of[(later[0].start, later[0].end)])
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
        """A resolved span joins the referring history. A place or institution
        the gazetteer named ("kyiv", "the Kremlin") but no entity mention
        covers becomes an entity of its own here, so that a later "it" can
        rest on it ("the missiles delivered to it" -> kyiv)."""
        if res and res[0] is None and res[1] is not None and res[2] is not None:
            eid = len(self.entities)
            ent = Entity(eid, "LOC")
            ent.add(Mention(self.text[s:e], s, e, "LOC", self.sentence_index(s) or 0))
            ent.country = res[2]
            self.entities.append(ent)
            res = (eid,) + tuple(res[1:])
        if res and res[0] is not None:
            self.history.append((s, e, res[0]))
        return res
