"""Did the event happen, as the article tells it? One value per predicate frame.

``factualities(words, frames, lemmas)`` gives each frame of a sentence one of

* ``asserted``     -- it happened or is happening, told as fact;
* ``negated``      -- the text says it did not happen (an ARGM-NEG: "did not", "never";
  or a negative quantifier as its agent or theme: "no one has offered", "No successor
  was named"); the complement of refusing or failing ("refusal to pay"), and the
  agent's own act under a negated want, plan or readiness ("did not want to
  interfere");
* ``hypothetical`` -- conditional, modal or merely possible: could/may/might/should,
  an "if"/"unless"/"whether" clause (will/would in a sentence with an if-clause
  too, and a negation or a future under "if": "if its demands are not met"), a
  question, the complement of asking, urging, offering, proposing, hoping,
  fearing, alleging, "the possibility of", an act told "allegedly", and an
  infinitive after a word that does not make it happen ("the right to supply",
  "tried to reach"; not after implicative verbs such as managed, began, forced,
  allowed, nor a name or date: a purpose clause "in Karachi on Thursday to protest");
* ``future``       -- told as going to happen: will/shall, "is/are to", the
  complement of threatening, promising, pledging or planning, the infinitive of
  agreeing, deciding or announcing to ("announced that troops had withdrawn" stays
  asserted), and an event nominal told as coming ("ahead of the elections", "the
  planned strike");
* ``denied``       -- the complement of denying or rejecting that it happened
  ("Iran denied sending missiles": sending).

From the tagger's own output, no second model: the frame's ARGM-NEG and ARGM-MOD
arguments, and its *governing frame*, the nearest other predicate of the
sentence whose argument span holds this predicate ("threatened [to deliver
weapons]" governs "deliver"). The governor's class comes from its lemma
(``GOVERNORS``; "call" only asks with an infinitive or "for/on", not in "called the
attack an act of genocide"; "claimed responsibility for" is no allegation), and a
governor that did not happen itself passes that on
("had not requested [direct military involvement]": the involvement is
hypothetical), but only to the head of its argument: an event deep in it or in
a relative clause is presupposed ("did not name [the officers who fired]": the
firing happened). The word lists were written from the PropBank rolesets of
those verbs and checked on the dev and training-only parts of the coded-events
gold set (``tests/data/gold``), never on its test part.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

ASSERTED, NEGATED, HYPOTHETICAL, FUTURE, DENIED = (
    "asserted", "negated", "hypothetical", "future", "denied")
VALUES = (ASSERTED, NEGATED, HYPOTHETICAL, FUTURE, DENIED)

FUTURE_MODALS = {"will", "shall", "'ll", "wo"}
#: "would" is mostly reported future in news ("said they would coordinate").
REPORTED_FUTURE_MODALS = {"would"}
HYPOTHETICAL_MODALS = {"could", "may", "might", "should", "can", "ca", "must", "ought"}

#: governor lemma -> what its complement becomes
GOVERNORS: Dict[str, str] = {}
for _lemma in ("threaten", "promise", "pledge", "vow", "plan", "intend", "agree", "decide",
               "schedule", "expect", "prepare", "aim", "commit", "undertake", "resolve",
               "set", "plot", "announce", "vote", "determine", "due", "poise", "slate"):
    GOVERNORS[_lemma] = FUTURE
for _lemma in ("ask", "request", "urge", "call", "call for", "call on", "demand", "appeal",
               "want", "wish", "hope", "fear", "need", "seek", "consider", "propose", "offer",
               "suggest", "recommend", "possibility", "possible", "likely", "unlikely",
               "able", "ready", "willing", "authorize", "authorization",
               "pressure", "press", "encourage", "invite", "accuse", "allege", "allegation",
               "claim", "suspect", "charge", "blame", "risk", "threat", "warn", "chance",
               "option", "proposal", "order", "condition", "depend", "conditional", "imagine",
               "predict", "worry", "concern", "deadline", "opportunity", "right", "question",
               "wonder", "reluctant", "eager", "insist"):
    GOVERNORS.setdefault(_lemma, HYPOTHETICAL)
for _lemma in ("refuse", "fail", "decline", "prevent", "avoid", "thwart", "foil", "block",
               "bar", "stop", "halt", "forbid", "prohibit", "ban", "veto", "rule out", "exclude",
               "resist", "oppose", "abandon", "cancel", "scrap", "drop", "postpone", "delay",
               "refusal", "failure", "unwilling", "unwillingness", "unable", "inability"):
    GOVERNORS[_lemma] = NEGATED
for _lemma in ("deny", "reject", "refute", "dismiss", "disprove", "rebut", "contest",
               "disavow", "dispute", "denial"):
    GOVERNORS[_lemma] = DENIED
#: future governors whose complement is ahead only as an infinitive ("agreed to
#: withdraw", not "agreed a deal"; "announced that troops had withdrawn")
TO_FUTURE = {"agree", "decide", "announce", "vote", "commit", "set", "determine", "due", "aim",
             "undertake", "resolve", "expect"}
#: governors whose complement keeps the governor's own factuality (reporting)
TRANSPARENT = {"say", "tell", "report", "add", "note", "state", "explain", "confirm",
               "know", "learn", "show", "reveal", "find", "see", "write", "describe",
               "according", "insist", "acknowledge", "admit"}
#: governors whose infinitive is their own agent's act: negated, they say it was
#: not done ("did not want to interfere"); a negated request ("did not ask them
#: to leave") leaves the other party's act open (hypothetical)
OWN_ACT_GOVERNORS = {"want", "wish", "need", "seek", "ready", "willing", "able", "eager", "intend",
                     "plan", "prepare", "aim", "decide", "agree", "commit", "promise", "pledge",
                     "vow", "threaten"}
ALLEGED_ADVERBS = {"allegedly", "purportedly", "supposedly"}
CONDITIONAL_WORDS = {"if", "unless", "whether", "lest"}
#: "X to <verb>" where the infinitive did happen (implicative and aspectual verbs);
#: after any other word an infinitive is only an aim, a right or a possibility
IMPLICATIVE = {"managed", "manage", "manages", "began", "begin", "begins", "begun", "started",
               "start", "starts", "continued", "continue", "continues", "went", "came", "used",
               "got", "proceeded", "moved", "rushed", "helped", "help", "helps", "forced",
               "compelled", "made", "able", "enough", "order", "due", "allowed", "allow",
               "allows"}
#: a numbered argument that starts with one of these says nobody did it, or
#: nothing was done ("no one has offered it", "No successor was named")
NEGATIVE_QUANTIFIERS = {"no", "none", "nobody", "nothing", "neither", "no-one"}
COMPLEMENT_LABELS = {"ARG1", "ARG2", "ARG3", "ARG4", "ARGM-OTHER", "ARGM-TMP"}
#: the governor's class reaches into its numbered arguments (its complement);
#: an adjunct ("in response to the delivery", "after floods killed") only
#: passes on a condition ("if ...")
NUMBERED = {"ARG1", "ARG2", "ARG3", "ARG4"}


def _governor(i: int, frames: Sequence) -> Optional[tuple]:
    """(governing frame index, its argument) whose span holds frame i's predicate:
    the one with the smallest such span."""
    best = None
    p = frames[i].pred_idx
    for j, fr in enumerate(frames):
        if j == i:
            continue
        for a in fr.arguments:
            if a.label in COMPLEMENT_LABELS and a.start <= p <= a.end:
                size = a.end - a.start
                if best is None or size < best[2]:
                    best = (j, a, size)
    return best[:2] if best else None


def _own(fr, modality: Optional[str], words: Sequence[str] = (),
         conditional: bool = False) -> str:
    """What the frame's own arguments say, before its governor is looked at.
    ``conditional``: the sentence has an if/unless clause, so a will/would
    there is the consequence of a condition ("if so, we will have to decide")."""
    labels = {a.label for a in fr.arguments}
    mod = (modality or "").lower()
    negative_party = any(a.label in ("ARG0", "ARG1", "ARG2") and a.start < len(words)
                         and words[a.start].lower() in NEGATIVE_QUANTIFIERS
                         for a in fr.arguments)
    if "ARGM-NEG" in labels or negative_party:
        return HYPOTHETICAL if mod in HYPOTHETICAL_MODALS else NEGATED
    if mod in FUTURE_MODALS | REPORTED_FUTURE_MODALS and conditional:
        return HYPOTHETICAL
    if mod in FUTURE_MODALS:
        return FUTURE
    if mod in REPORTED_FUTURE_MODALS:
        return FUTURE
    if mod in HYPOTHETICAL_MODALS:
        return HYPOTHETICAL
    p = fr.pred_idx
    if any(w.lower() in ALLEGED_ADVERBS for w in words[max(0, p - 3):p]) or any(
            a.start == a.end and words[a.start].lower() in ALLEGED_ADVERBS
            for a in fr.arguments if a.start < len(words)):
        return HYPOTHETICAL  # "allegedly fired": the guide codes alleged acts as such
    return ASSERTED


def _opening(words: Sequence[str], arg) -> str:
    """The argument's first word, lower-cased."""
    return words[arg.start].lower() if arg.start < len(words) else ""


def _after_to(words: Sequence[str], p: int) -> bool:
    """"to" just before the predicate."""
    return p >= 1 and words[p - 1].lower() == "to"


def _infinitive(words: Sequence[str], p: int, arg) -> bool:
    """The predicate is an infinitive: "to" just before it, or its argument opens with it."""
    return _after_to(words, p) or _opening(words, arg) == "to"


#: words that open an argument before its head ("[the release of ...]")
_LEAD_WORDS = {"the", "a", "an", "its", "their", "his", "her", "our", "that", "to", "of", "for",
               "on", "in", "any", "some", "this", "these", "those", "all", "further", "new",
               "more"}
#: words that open a relative clause ("that" is left out: it opens complements too;
#: ``frames.RELATIVE_PRONOUNS`` is the other list, of pronouns that stand for a party)
RELATIVE_CLAUSE_OPENERS = {"who", "whom", "which", "whose"}


def _embedded(words: Sequence[str], p: int, arg) -> bool:
    """The predicate sits deep in its governor's argument, not at its head: three
    words or more past the argument's opening words, or in a relative clause ("did
    not name [the officers who fired]"). Such an event is presupposed, not what
    the governor says did not or might happen."""
    k = arg.start
    while k < p and words[k].lower() in _LEAD_WORDS:
        k += 1
    return p - k >= 3 or any(w.lower() in RELATIVE_CLAUSE_OPENERS for w in words[arg.start:p])


def _be_to(words: Sequence[str], p: int) -> bool:
    """``is/are/was/were to <predicate>``: arranged, so ahead ("the ministers are to meet")."""
    return _after_to(words, p) and p >= 2 and words[p - 2].lower() in (
        "is", "are", "was", "were", "am", "'s", "'re")


#: words just before an event nominal that put it ahead ("the planned arrests",
#: "an impending strike") and phrases a few words before it ("ahead of a visit",
#: "on the eve of a vote")
FUTURE_ADJECTIVES = {"planned", "upcoming", "impending", "forthcoming", "scheduled", "expected",
                     "looming", "prospective"}
FUTURE_LEADS = (("ahead", "of"), ("advance", "of"), ("eve", "of"), ("run-up", "to"),
                ("run", "up", "to"), ("preparation", "for"), ("preparations", "for"))


def _ahead(words: Sequence[str], p: int) -> bool:
    """The predicate is told as coming ("ahead of the elections", "planned cuts")."""
    low = [w.lower() for w in words[max(0, p - 5):p]]
    if low and (low[-1] in FUTURE_ADJECTIVES or len(low) > 1 and low[-2] in FUTURE_ADJECTIVES):
        return True
    return any(tuple(low[k:k + len(lead)]) == lead
               for lead in FUTURE_LEADS for k in range(len(low) - len(lead) + 1))


def _irrealis_infinitive(words: Sequence[str], p: int) -> bool:
    """``to <predicate>`` after a word that does not make it happen ("the right
    to supply", "tried to reach", "whether to recommend")."""
    if p < 2 or not _after_to(words, p):
        return False
    before = words[p - 2]
    # after a name or a date ("in Karachi on Thursday to protest") it is a
    # purpose clause of an event told as fact
    return before.islower() and before not in IMPLICATIVE


def factualities(words: Sequence[str], frames: Sequence, lemmas: Sequence[str],
                 modalities: Sequence[Optional[str]]) -> List[str]:
    """One factuality per frame (same order). ``lemmas``/``modalities``: per frame,
    the predicate's lemma and normalised ARGM-MOD word (as ``decode`` makes them)."""
    n = len(frames)
    conditional = any(w.lower() in ("if", "unless") for w in words)
    own = [_own(fr, m, words, conditional) for fr, m in zip(frames, modalities)]
    gov = [_governor(i, frames) for i in range(n)]
    question = bool(words) and words[-1] == "?" or (len(words) > 1 and words[-2] == "?")
    out: List[Optional[str]] = [None] * n

    def resolve(i: int, depth: int = 0) -> str:
        if out[i] is not None:
            return out[i]
        value = own[i]
        g = gov[i]
        p = frames[i].pred_idx
        if g is not None and value in (NEGATED, FUTURE) and _opening(words, g[1]) in CONDITIONAL_WORDS:
            value = HYPOTHETICAL  # "if their demands are not met"
        if value == ASSERTED and g is not None and depth < 8:
            j, arg = g
            first = _opening(words, arg)
            cls = GOVERNORS.get(lemmas[j])
            if lemmas[j] == "call" and not (_infinitive(words, p, arg) or first in ("for", "on")):
                cls = None  # "called the decision a sign of hypocrisy": naming, not asking
            elif lemmas[j] == "claim" and first in ("responsibility", "credit"):
                cls = None  # "claimed responsibility for the bombings": they happened
            g_value = resolve(j, depth + 1)
            if first in CONDITIONAL_WORDS:
                value = HYPOTHETICAL
            elif arg.label not in NUMBERED or (cls in (NEGATED, DENIED)
                                                and _embedded(words, p, arg)):
                pass
            elif cls == DENIED and g_value == ASSERTED:
                value = DENIED
            elif cls == DENIED and g_value == NEGATED:
                value = ASSERTED if lemmas[j] in ("deny",) else HYPOTHETICAL
            elif cls == NEGATED:
                value = NEGATED if g_value == ASSERTED else HYPOTHETICAL
            elif cls == FUTURE and lemmas[j] in TO_FUTURE and not _infinitive(words, p, arg):
                # "announced [that the army had withdrawn]", "agreed [a deal]": only
                # "agreed [to withdraw]" puts the act ahead
                pass
            elif lemmas[j] in OWN_ACT_GOVERNORS and g_value == NEGATED and _infinitive(words, p, arg):
                value = NEGATED  # "did not want to interfere", "is not ready to sign"
            elif cls is not None and cls != DENIED:
                value = cls if g_value in (ASSERTED, FUTURE) or cls == HYPOTHETICAL else HYPOTHETICAL
                if g_value == FUTURE and cls == FUTURE:
                    value = FUTURE
            elif g_value in (NEGATED, HYPOTHETICAL) and not _embedded(words, p, arg):
                value = HYPOTHETICAL
            elif g_value in (FUTURE, DENIED) and lemmas[j] not in TRANSPARENT:
                value = g_value
            elif g_value in (FUTURE, DENIED):
                value = g_value
        if value == ASSERTED and (_be_to(words, p) or _ahead(words, p)):
            value = FUTURE  # "talks are to resume", "ahead of the elections"
        elif value == ASSERTED and (question or _irrealis_infinitive(words, p)):
            value = HYPOTHETICAL
        out[i] = value
        return value

    return [resolve(i) for i in range(n)]
