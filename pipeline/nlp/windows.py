"""Overlapping word windows for sentences longer than the tagger's window.

One job: run a sentence of any length through a ``predict`` function that only
sees a limited window, without silently dropping the words past it.

The tagger reads at most ``max_subwords`` (256) sub-words; words past that get
no labels (``SentenceFrames.covered < len(words)``). A long sentence is
therefore cut into windows of ``size`` words that overlap by half, each window
is tagged on its own, and the results are merged back into sentence word
indices:

* every word is *owned* by the window in which it sits most centrally (ties go
  to the earlier window), i.e. where the tagger saw the most context on both
  sides of it;
* a predicate, and its whole frame, come from the window that owns the
  predicate word; argument spans are shifted to sentence indices (they cannot
  reach beyond that window);
* an entity comes from the window that owns its first word; an entity that
  overlaps one already taken (the same name seen from two windows) is dropped.

A window that is itself not fully covered (a sub-word-heavy stretch: numbers,
URLs, rare scripts) is tagged again in windows of at most half the size, and no
more words than fitted, down to ``MIN_WINDOW_WORDS``. Only a single word longer than the whole model window can
still leave words uncovered, and ``covered`` then says so.

Pure Python on the predictor's frozen dataclasses (``dataclasses.replace``), so
this module never imports torch or the tagger.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, List, Sequence, Tuple

#: Words per window. 100 words stay under 256 sub-words for ordinary prose
#: (about 1.3 sub-words per word for news English).
WINDOW_WORDS = 100
#: Smallest window tried for sub-word-heavy text (long numbers, URLs): little
#: context, but every word gets a label.
MIN_WINDOW_WORDS = 2

Predict = Callable[[Sequence[Sequence[str]]], list]


def word_windows(n: int, size: int) -> List[Tuple[int, int]]:
    """``[start, end)`` windows of ``size`` words over ``n`` words, stride
    ``size // 2``; the last window is pulled back to end at ``n`` so it is full."""
    if n <= size:
        return [(0, n)]
    stride = max(1, size // 2)
    starts = list(range(0, n - size, stride)) + [n - size]
    return [(s, s + size) for s in starts]


def owners(n: int, windows: Sequence[Tuple[int, int]]) -> List[int]:
    """For each word, the index of the window in which it is most central."""
    best = [-1] * n
    dist = [float("inf")] * n
    for k, (s, e) in enumerate(windows):
        center = (s + e - 1) / 2
        for w in range(s, e):
            d = abs(w - center)
            if d < dist[w]:  # strict: ties stay with the earlier window
                best[w], dist[w] = k, d
    return best


def _shift_frame(frame, offset: int):
    return dataclasses.replace(
        frame,
        pred_idx=frame.pred_idx + offset,
        v_words=tuple(w + offset for w in frame.v_words),
        arguments=tuple(dataclasses.replace(a, start=a.start + offset, end=a.end + offset)
                        for a in frame.arguments),
    )


def merge_windows(n: int, windows: Sequence[Tuple[int, int]], results: Sequence):
    """One ``SentenceFrames`` for ``n`` words from per-window results."""
    own = owners(n, windows)
    frames, entities, covered = [], [], 0
    for k, ((s, _), res) in enumerate(zip(windows, results)):
        frames += [_shift_frame(f, s) for f in res.frames if own[s + f.pred_idx] == k]
        entities += [dataclasses.replace(e, start=e.start + s, end=e.end + s)
                     for e in res.entities if own[s + e.start] == k]
        # a count: a window's covered words are (for a plain window) its first ones
        covered += sum(1 for w in range(s, s + res.covered) if own[w] == k)
    kept, last_end = [], -1
    for e in sorted(entities, key=lambda e: (e.start, e.end)):
        if e.start > last_end:
            kept.append(e)
            last_end = e.end
    frames.sort(key=lambda f: f.pred_idx)
    return dataclasses.replace(results[0], frames=tuple(frames), entities=tuple(kept),
                               covered=covered, word_vectors=_merge_vectors(own, windows, results))


def _merge_vectors(own: Sequence[int], windows: Sequence[Tuple[int, int]], results: Sequence):
    """Each word's vector from the window that owns it, as its frames; None when
    the windows carry none."""
    parts = [getattr(res, "word_vectors", None) for res in results]
    if any(p is None for p in parts):
        return None
    import numpy as np

    out = np.zeros((len(own), parts[0].shape[1]), dtype=parts[0].dtype)
    for w, k in enumerate(own):
        out[w] = parts[k][w - windows[k][0]]
    return out


def predict_windowed(predict: Predict, words: Sequence[str], size: int = WINDOW_WORDS):
    """``predict`` over overlapping windows of ``words``, merged (see module doc).

    ``predict`` takes a list of word lists and returns one ``SentenceFrames``
    each, in order (``Predictor.predict``)."""
    words = list(words)
    windows = word_windows(len(words), size)
    results = list(predict([words[s:e] for s, e in windows]))
    for k, ((s, e), res) in enumerate(zip(windows, results)):
        if res.covered < e - s and size > MIN_WINDOW_WORDS:
            # `covered` words fitted: windows of that many (at most half) should
            smaller = max(MIN_WINDOW_WORDS, min(size // 2, res.covered))
            results[k] = predict_windowed(predict, words[s:e], smaller)
    if len(windows) == 1:
        return results[0]
    return merge_windows(len(words), windows, results)


def predict_all(predict, sentences: Sequence[Sequence[str]]) -> list:
    """``predict`` on every sentence, long ones in overlapping windows.

    A sentence of more than ``WINDOW_WORDS`` words goes to windows straight
    away (the full-length pass would be wasted); a shorter one that still ran
    past the model window (``covered < len(words)``, sub-word-heavy text) is
    tagged again in smaller windows. Nothing is truncated silently."""
    direct = [i for i, words in enumerate(sentences) if len(words) <= WINDOW_WORDS]
    out: list = [None] * len(sentences)
    for i, frames in zip(direct, predict([sentences[i] for i in direct]) if direct else []):
        out[i] = frames
    for i, words in enumerate(sentences):
        if out[i] is None:
            out[i] = predict_windowed(predict, words)
        elif out[i].covered < len(words):
            fitted = min(len(words) // 2, out[i].covered)  # windows of what fitted
            out[i] = predict_windowed(predict, words, size=max(MIN_WINDOW_WORDS, fitted))
    return out
