"""Schema of the ``articles`` table: one row per input article, failed ones
included (``status == "dead_letter"``)."""
from __future__ import annotations

import pyarrow as pa

from schemas import field

SCHEMA = pa.schema(
    [
        field("article_id", pa.string(),
              "Identifier of the article (joins events.article_id); null when "
              "the input failed before an id could be assigned."),
        field("source", pa.string(),
              "Where the article was read from: the file path, or "
              "\"path:line\" for a JSON Lines input.",
              nullable=False),
        field("published", pa.date32(),
              "Publication date of the article, when known; the anchor for "
              "relative dates such as \"yesterday\"."),
        field("title", pa.string(), "Title of the article, when known."),
        field("url", pa.string(), "URL of the article, when known."),
        field("status", pa.string(),
              "\"ok\" when the article was processed, \"dead_letter\" when it "
              "failed (see `error` and the dead_letters table).",
              nullable=False),
        field("n_sentences", pa.int32(),
              "Number of sentences the article was split into (0 when it "
              "failed before segmentation).", nullable=False),
        field("n_events", pa.int32(),
              "Number of rows this article contributed to the events table.",
              nullable=False),
        field("error", pa.string(),
              "Why the article failed, as \"code: detail\" (same as "
              "dead_letters.reason); null when status is \"ok\"."),
        field("content_hash", pa.string(),
              "SHA-256 (hex) of the article's raw bytes, or of its JSON Lines "
              "line; null when the input could not be read."),
    ],
    metadata={b"description": b"One row per input article, including the "
              b"ones that failed."},
)
