"""Schema of the ``dead_letters`` table: inputs (or parts of inputs) that
could not be processed, and why."""
from __future__ import annotations

import pyarrow as pa

from schemas import field

SCHEMA = pa.schema(
    [
        field("source", pa.string(),
              "Where the failing input came from: the file path, or "
              "\"path:line\" for a JSON Lines input.", nullable=False),
        field("article_id", pa.string(),
              "Identifier of the article concerned; null when the failure "
              "happened before an id was assigned."),
        field("stage", pa.string(),
              "Pipeline stage that failed: \"read\", \"segment\", \"infer\", "
              "\"decode\", \"resolve\", \"classify\" or \"write\".", nullable=False),
        field("reason", pa.string(),
              "Why it failed, as \"code: detail\": a stable code (empty, "
              "binary, undecodable, too_large, bad_json, missing_text, "
              "unsupported_extension, ...), then a human-readable detail.",
              nullable=False),
        field("excerpt", pa.string(),
              "Short printable excerpt of the raw input, for diagnosis (may "
              "be empty).", nullable=False),
    ],
    metadata={b"description": b"Inputs that could not be processed, and why."},
)
