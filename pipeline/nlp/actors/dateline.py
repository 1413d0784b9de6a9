"""The dateline: "KABUL, Afghanistan (Reuters) —" -> AFG.

Wire copy opens with the place it was filed from. That place's country is what
the article itself says about where its unnamed domestic actors ("police",
"protesters", "the president") belong when nothing nearer says it: the
resolver uses it after the event's own location (``resolver``).
"""
from __future__ import annotations

import re
from typing import Optional

from pipeline.nlp import gazetteer as gz

# PLACE[, Region][, Month Day] [(Agency)] then a dash or colon, at the start of the text
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z.'\- ]{1,40}?)"
    r"(?:,\s*(?P<region>[A-Z][A-Za-z.'\- ]{1,30}?))?"
    r"(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?"
    r"\s*(?:\((?P<agency>[^)]{1,40})\))?\s*[—–\-:]{1,2}\s")


def dateline_country(text: str) -> Optional[str]:
    """ISO alpha-3 of the dateline's place, or None when the text opens with
    none. The place must be written in capitals ("MOSCOW") or be followed by an
    agency in parentheses, as datelines are, so that an ordinary opening
    ("Officials said - ...") is no dateline."""
    m = _DATELINE.match(text[:120])
    if not m:
        return None
    place = m.group("place").strip()
    if not (place.isupper() or m.group("agency")):
        return None
    for name in filter(None, (m.group("region"), place)):
        code = gz.country_code(name.title() if name.isupper() else name)
        if code and code not in gz.IGOS:
            return code
    from pipeline.nlp.gazetteer.places import place_in_span

    found = place_in_span(place.title() if place.isupper() else place)
    return found.country if found else None
