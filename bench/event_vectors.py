"""In-context vectors for labelled event rows: the eval sets typed as the pipeline types.

``attach_context_vectors(rows, word_vectors)`` reads each labelled event (who,
action, target, object and its ``sentence``) in its sentence and pools the
word vectors of its parts, as ``decode`` does for pipeline events, so that
``bench.event_types_eval``, ``bench.events_eval`` and the tests type a labelled
set the way the pipeline types its events. Evaluation only: the pipeline never
calls it (it segments with ``pipeline.stages.segment``, a Beam stage).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from pipeline.nlp.events.similarity import COMPLEMENT_KEY, VECTOR_KEY, context_vector


def _find(sentence: str, part: Optional[str]) -> Optional[Tuple[int, int]]:
    if not part or not part.strip():
        return None
    i = sentence.find(part)
    if i < 0:
        i = sentence.lower().find(part.lower())
    return None if i < 0 else (i, i + len(part))


def attach_context_vectors(rows: Sequence[dict], word_vectors) -> List[dict]:
    """Event rows given as text with their ``sentence`` (a labelled set, an
    event from elsewhere) -> the same rows with the in-context vectors that
    ``decode`` gives pipeline events. ``word_vectors``: word lists -> one
    ``(words x hidden)`` array each (``EventTyper.word_vectors``, or a
    ``Predictor(context_layer=...)``'s ``SentenceFrames.word_vectors``). A part
    not found in its sentence is left out; a row without a sentence is left as
    it is (typed from its text)."""
    from pipeline.nlp.sentences import segment_text

    out = [dict(r) for r in rows]
    todo = [r for r in out if r.get("sentence")]
    split = []
    for r in todo:
        sents = segment_text("event", r["sentence"])
        split.append(([w for s in sents for w in s.words],
                      [(a, b) for s in sents for a, b in zip(s.word_starts, s.word_ends)]))
    vectors = word_vectors([words for words, _ in split]) if split else []
    for r, (_, offsets), vec in zip(todo, split, vectors):
        def words_of(*parts):
            ids = []
            for part in parts:
                span = _find(r["sentence"], part)
                if span:
                    ids += [k for k, (a, b) in enumerate(offsets) if a < span[1] and b > span[0]]
            return ids

        parties = words_of(r.get("who"), r.get("target"), r.get("object"))
        r[VECTOR_KEY] = context_vector(vec, parties + words_of(r.get("action")))
        if r.get("negated") and (r.get("target") or r.get("object")):
            r[COMPLEMENT_KEY] = context_vector(vec, parties)
    return out
