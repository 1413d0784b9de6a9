"""Frames -> events: who did what to whom, with character offsets (``decode_sentence``).

One job: turn the tagger's word-level frames for one sentence into ``Event``
records (``pipeline.records``; dates are left for ``resolve``). The language
half of the decode stage (``pipeline.stages.decode``), no Beam. The mapping from
PropBank to event data:

* ``who``    — the argument whose function is ``PAG`` (proto-agent), else ARG0;
* ``target`` — the ``GOL`` argument (recipient, hearer, entity warned or
  threatened) when the frame has one, else the ``PPT`` patient;
* ``object`` — the ``PPT`` argument when the target is the ``GOL`` one (the
  weapons supplied, the content of a warning);
* ``location`` — ARGM-LOC; ``date_text`` — the ARGM-TMP span;
* ``negated`` — an ARGM-NEG argument; ``modality`` — the ARGM-MOD word, normalised
  ("'ll" -> "will", "ca" -> "can").

who/target/object drop one leading preposition ("from North Korea" -> "North
Korea"), and a party that is a relative pronoun alone is its antecedent ("Salazar,
[who] was facing charges" -> "Salazar"; ``antecedent``): an analyst wants the party,
and ``roles`` keeps every span as tagged.
A predicate with no argument is not an event.

Each event gets its ``factuality`` (``pipeline.nlp.events.factuality``: asserted, negated,
hypothetical, future or denied, from the frame's NEG/MOD arguments and its
governing frame). When the tagger ran with a ``context_layer`` (the event head
is on), each event also gets its ``head_features``: the in-context vectors of
its predicate, who, target/object and sentence at that layer
(``nlp.events.head.frame_features``), and its ``head_context`` (the sentence's
word vectors and the predicate's words, for the factuality head), which
``classify`` reads and drops.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, List, Optional, Tuple

from pipeline.nlp.events.factuality import FUTURE, factualities
from pipeline.nlp.events.head import frame_features
from pipeline.records import Event, Role, Sentence

LEADING_PREPOSITIONS = {
    "from", "to", "against", "with", "on", "at", "by", "for", "of", "about", "into",
    "onto", "upon", "toward", "towards", "in", "over", "among", "between",
}
MODAL_FORMS = {
    "'ll": "will", "wo": "will", "ll": "will", "ca": "can", "'d": "would", "shall": "shall",
}
FUTURE_MODALS = {"will", "shall"}
RELATIVE_PRONOUNS = {"who", "whom", "which", "that"}
#: punctuation between an antecedent and its relative pronoun ("Salazar, who")
_BEFORE_RELATIVE = {",", "(", "-", "\u2013", "\u2014"}
#: an antecedent longer than this is a clause or a sentence, not a party
MAX_ANTECEDENT = 8


def event_id(article_id: str, sentence_index: int, action_start: int) -> str:
    """Deterministic: the same article text gives the same ids on every run."""
    key = f"{article_id}\x1f{sentence_index}\x1f{action_start}".encode("utf-8")
    return hashlib.sha1(key).hexdigest()[:16]


def lemmatize(word: str, particles: Iterable[str] = ()) -> str:
    """Verb lemma first (events are mostly verbs), then noun, then adjective."""
    from lemminflect import getAllLemmas  # a lookup table: no model, no network

    low = word.lower()
    lemmas = getAllLemmas(low)
    lemma = low
    for upos in ("VERB", "NOUN", "ADJ", "AUX"):
        if upos in lemmas:
            lemma = lemmas[upos][0]
            break
    return " ".join([lemma, *[p.lower() for p in particles]])


def _span(sent: Sentence, s: int, e: int) -> Tuple[str, int, int]:
    start, end = sent.word_starts[s], sent.word_ends[e]
    return sent.text[start - sent.start:end - sent.start], start, end


def _party_words(sent: Sentence, arg) -> range:
    """The argument's words without one leading preposition."""
    if arg is None:
        return range(0)
    s = arg.start
    if arg.end > s and sent.words[s].lower() in LEADING_PREPOSITIONS:
        s += 1
    return range(s, arg.end + 1)


def antecedent(sent: Sentence, words: range, frames) -> range:
    """For a party that is one relative pronoun ("the group [that] left"), its
    antecedent, from the other frames' arguments: one that ends just before the
    pronoun ("make [an appropriate decision], which is unlikely"), else the words
    before the pronoun in the shortest argument that holds it ("[the group that
    left on March 9th] would be permitted"), of a list its last member ("Salazar,
    who fired, and [the men] that stormed"). ``words`` itself where the party is no
    relative pronoun, where no argument gives an antecedent ("We don't know [who]
    is winning": the argument starts at the pronoun, a question), or where the
    antecedent would be longer than ``MAX_ANTECEDENT`` words (a clause, not a party)."""
    if len(words) != 1 or sent.words[words[0]].lower() not in RELATIVE_PRONOUNS:
        return words
    i = words[0]
    end = i - 1
    while end >= 0 and sent.words[end] in _BEFORE_RELATIVE:
        end -= 1
    args = [a for f in frames for a in f.arguments]
    before = [a.start for a in args if a.end == end and a.start <= end]
    holding = [(a.start, a.end) for a in args if a.start < i <= a.end]
    if before:
        start = max(before)  # the shortest
    elif holding:
        start = min(holding, key=lambda se: se[1] - se[0])[0]
        for k in range(end, start + 1, -1):  # a list's last member
            if sent.words[k].lower() in ("and", "or") and sent.words[k - 1] == ",":
                start = k + 1
                break
    else:
        return words
    if start < end and sent.words[start].lower() in LEADING_PREPOSITIONS:
        start += 1  # "sent missiles [to Ukraine], which": Ukraine, as for any party
    if end < start or end - start + 1 > MAX_ANTECEDENT:
        return words
    return range(start, end + 1)


def _party(sent: Sentence, arg, frames=()) -> Tuple[Optional[str], Optional[int], Optional[int]]:
    """The argument's span without one leading preposition; a relative pronoun's
    antecedent in its place (``antecedent``)."""
    words = antecedent(sent, _party_words(sent, arg), frames)
    if not words:
        return None, None, None
    return _span(sent, words[0], words[-1])


def _modality(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    w = text.lower().replace("\u2019", "'").split()[0]
    return MODAL_FORMS.get(w, w)


def _distance(arg, pred_idx: int) -> int:
    return arg.start - pred_idx if arg.start > pred_idx else pred_idx - arg.end


def _pick(args, *, function: Optional[str] = None, label: Optional[str] = None):
    cands = [a for a in args if (function is None or a.function == function)
             and (label is None or a.label == label)]
    return max(cands, key=lambda a: a.score) if cands else None


def decode_sentence(sent: Sentence, frames, model_name: str) -> List[Event]:
    """Events (without resolved dates, actors or classes) for one sentence's frames."""
    events: List[Event] = []
    # every frame may govern another ("threatened [to deliver]"), argument-less ones too
    lemmas = [lemmatize(sent.words[f.pred_idx], [sent.words[i] for i in f.v_words if i != f.pred_idx])
              for f in frames.frames]
    mods = [_modality(_span(sent, m.start, m.end)[0]) if m else None
            for m in (_pick(f.arguments, label="ARGM-MOD") for f in frames.frames)]
    facts = factualities(sent.words, frames.frames, lemmas, mods)
    for fr, lemma, modality, factuality in zip(frames.frames, lemmas, mods, facts):
        if not fr.arguments:
            continue
        v = list(fr.v_words)
        action_start, action_end = sent.word_starts[v[0]], sent.word_ends[v[-1]]
        contiguous = v == list(range(v[0], v[-1] + 1))
        action = (sent.text[action_start - sent.start:action_end - sent.start] if contiguous
                  else " ".join(sent.words[i] for i in v))
        args = fr.arguments
        who = _pick(args, function="PAG") or _pick(args, label="ARG0")
        # of several GOL candidates the one nearest the predicate: recipients and
        # hearers come first after the verb ("warned [South Korea] [against arms supplies]")
        gols = [a for a in args if a is not who and a.function == "GOL"]
        gol = min(gols, key=lambda a: (_distance(a, fr.pred_idx), -a.score)) if gols else None
        ppt = _pick([a for a in args if a is not who], function="PPT")
        target, obj = (gol, ppt) if gol is not None else (ppt, None)
        loc = _pick(args, label="ARGM-LOC")
        tmp = [_span(sent, a.start, a.end)[0] for a in args if a.label == "ARGM-TMP"]
        who_t, who_s, who_e = _party(sent, who, frames.frames)
        tgt_t, tgt_s, tgt_e = _party(sent, target, frames.frames)
        obj_t, obj_s, obj_e = _party(sent, obj, frames.frames)
        loc_t, loc_s, loc_e = _span(sent, loc.start, loc.end) if loc else (None, None, None)
        roles = tuple(Role(a.label, a.function, *_span(sent, a.start, a.end), float(a.score))
                      for a in sorted(args, key=lambda a: a.start))
        confidence = fr.score * (sum(a.score for a in args) / len(args))
        negated = any(a.label == "ARGM-NEG" for a in args)
        features = context = None
        if frames.word_vectors is not None:  # the event head's input (``classify``)
            # the parties as tagged (a relative pronoun's vector holds its antecedent's
            # sense in context, and the head learned them so)
            features = frame_features(
                frames.word_vectors, v, _party_words(sent, who),
                [*_party_words(sent, target), *_party_words(sent, obj)],
                negated, modality, factuality)
            context = (frames.word_vectors, tuple(v))  # the factuality head's window
        events.append(Event(
            event_id=event_id(sent.article_id, sent.sentence_index, action_start),
            article_id=sent.article_id, sentence_index=sent.sentence_index, sentence=sent.text,
            action=action, action_lemma=lemma, action_start=action_start, action_end=action_end,
            negated=negated, modality=modality, factuality=factuality,
            confidence=float(confidence), model=model_name,
            who=who_t, who_start=who_s, who_end=who_e,
            target=tgt_t, target_start=tgt_s, target_end=tgt_e,
            object=obj_t, object_start=obj_s, object_end=obj_e,
            location=loc_t, location_start=loc_s, location_end=loc_e,
            roles=roles,
            date_text=tmp[0] if tmp else None,
            date_candidates=tuple(tmp),
            # dates of what is told as coming resolve forward: "will meet on Monday",
            # and "said they would meet on Monday", "plans to meet on Monday"
            tense="future" if modality in FUTURE_MODALS or factuality == FUTURE else "past",
            head_features=features, head_context=context,
        ))
    return events
