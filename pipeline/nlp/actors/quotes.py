"""Quotations and their speakers in one article: a mixin of ``ArticleContext``."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from pipeline.nlp.text import words as split_words

from .lexicon import SPEECH_VERBS


class Quotes:
    """Quoted spans of the article (``self.paragraphs``, ``self.text``) and who speaks them."""

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
        after = split_words(self.text[close:min(pe, close + 160)], close)
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
