"""Label inventories of the event-role tagger, and how corpus labels fold into them.

The corpora use the full PropBank inventory (``ARGM-ADV``, ``R-ARG0``, ``C-ARG1``,
``ARG1-DSP`` ...). The pipeline needs far fewer distinctions, and rare labels only
dilute training, so everything folds into ``ROLE_LABELS``:

* ``R-``/``C-`` prefixes (relative pronouns, discontinuous parts) fold into their base;
* ``ARGA`` (causative agent) folds into ``ARG0``; ``ARG6`` into ``ARG5``;
* every ARGM other than TMP/LOC/NEG/MOD folds into ``ARGM-OTHER``;
* ``V`` is kept as a tag: it marks the predicate and its particles ("rule *out*"),
  which is how the action's surface form is recovered.

Functions (``PAG`` proto-agent, ``PPT`` proto-patient, ``GOL`` goal/recipient ...)
come from the PropBank frame files through the roleset of each training example.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

ROLE_LABELS: List[str] = [
    "V", "ARG0", "ARG1", "ARG2", "ARG3", "ARG4", "ARG5",
    "ARGM-TMP", "ARGM-LOC", "ARGM-NEG", "ARGM-MOD", "ARGM-OTHER",
]
KEPT_ARGM = {"ARGM-TMP", "ARGM-LOC", "ARGM-NEG", "ARGM-MOD"}

# BIO tags over words. "O" first so that index 0 is "outside".
BIO_TAGS: List[str] = ["O"] + [f"{p}-{r}" for r in ROLE_LABELS for p in ("B", "I")]
BIO_INDEX: Dict[str, int] = {t: i for i, t in enumerate(BIO_TAGS)}

# Function tags of numbered arguments. The long tail (SE1, AXS, ...) is rare and
# never decides who/target/object, so it folds into OTHER.
FUNCTIONS: List[str] = [
    "PAG", "PPT", "GOL", "PRD", "MNR", "DIR", "VSP", "LOC", "EXT", "CAU",
    "COM", "PRP", "SRC", "OTHER",
]
FUNCTION_INDEX: Dict[str, int] = {f: i for i, f in enumerate(FUNCTIONS)}

NER_TAGS: List[str] = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
NER_INDEX: Dict[str, int] = {t: i for i, t in enumerate(NER_TAGS)}

IGNORE = -100  # torch's cross-entropy ignore_index: "no label here"

_NUMBERED = re.compile(r"^ARG([0-9A])$")


def fold_role(label: str) -> Optional[str]:
    """Map a corpus role label to one of ``ROLE_LABELS`` (None: not a role)."""
    label = label.strip().upper()
    if not label or label in {"_", "O"}:
        return None
    label = label.split("(")[0]  # MASC has a few merged labels: "ARGM-ADV(C-ARG1"
    for prefix in ("R-", "C-"):
        if label.startswith(prefix):
            label = label[len(prefix):]
    if label == "V":
        return "V"
    if label.startswith("ARGM-"):
        return label if label in KEPT_ARGM else "ARGM-OTHER"
    base = label.split("-")[0]  # ARG1-DSP -> ARG1
    m = _NUMBERED.match(base)
    if not m:
        return None
    n = m.group(1)
    if n == "A":
        return "ARG0"
    return f"ARG{min(int(n), 5)}"


def fold_function(function: str) -> Optional[str]:
    f = function.strip().upper()
    if not f:
        return None
    return f if f in FUNCTION_INDEX else "OTHER"


def is_numbered(role: str) -> bool:
    return role.startswith("ARG") and not role.startswith("ARGM")


def allowed_transition(prev: str, cur: str) -> bool:
    """BIO rule: ``I-X`` only continues ``B-X`` or ``I-X``."""
    if cur.startswith("I-"):
        return prev != "O" and prev[2:] == cur[2:]
    return True


def bio_spans(tags: Sequence[str]) -> List[Tuple[str, int, int]]:
    """BIO tags -> [(label, start, end_inclusive)]; a stray ``I-`` starts a span.
    Shared by the corpus readers, the evaluator and the predictor's decoding."""
    out: List[Tuple[str, int, int]] = []
    cur = None
    for i, t in enumerate(list(tags) + ["O"]):
        if cur and not (t.startswith("I-") and t[2:] == cur[0]):
            out.append((cur[0], cur[1], i - 1))
            cur = None
        if t.startswith("B-") or (t.startswith("I-") and cur is None):
            cur = (t[2:], i)
    return out
