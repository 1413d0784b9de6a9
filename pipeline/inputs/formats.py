"""One input file's bytes -> ``Article`` and/or ``DeadLetter`` records, per format.

One job: the input formats, dispatched on the file extension (case-insensitive):

* ``.txt``   one article; ``article_id`` is the file stem. An optional sidecar
  ``<stem>.json`` next to it may carry ``published``, ``title`` and ``url``.
  (Which ``.json`` files are sidecars is ``listing.select_inputs``'s
  business; a ``.json`` given here is an unsupported input.)
* ``.jsonl`` one article per line: ``id``, ``text`` and optional
  ``published``, ``title``, ``url``. Bad lines are dead-lettered one by one so
  that one broken line never costs the rest of the file.
* ``.html`` / ``.htm`` main text extracted locally with trafilatura.

Nothing in here raises for bad input: every failure becomes a ``DeadLetter``
(stage ``read``) whose ``reason`` is ``"<code>: <detail>"``. Codes made here:

  unsupported_extension, too_large, binary, empty, bad_json, missing_text,
  bad_text_type, duplicate_id (one id twice in a JSON Lines file), no_text,
  internal_error (one JSON Lines line), ambiguous_published

``published`` (JSON Lines, sidecar) is read by ``nlp.dates.published``: ISO,
"March 7, 2024", RFC 2822, ...; "03/04/2024" (day-month or month-day?) is an
``ambiguous_published`` dead letter: a guess would shift every relative date of
the article by a month. An unparseable value is deliberately *not* a dead
letter: the text is still worth extracting events from, so the article is kept
with ``published`` = ``default_published`` and a warning, logged once (the read
stage's id pass parses some files twice: ``quiet_published_warnings``).

``jsonl_ids`` is the cheap side of the JSON Lines rules: the ids alone, for the
read stage's id pass.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
from typing import Callable, Iterator, Optional, Tuple, Union

from pipeline.inputs.decoding import (ReadError, decode_bytes, decode_bytes_with_encoding,
                                      decode_unchecked, normalize_text, sha256_hex)
from pipeline.inputs.listing import (JSONL_EXTENSIONS, TXT_EXTENSIONS, file_article_id,
                                     sidecar_path, split_path, too_large_reason,
                                     unsupported_reason)
from pipeline.nlp.dates.published import read_published
from pipeline.records import Article, DeadLetter, printable_excerpt

_LOG = logging.getLogger(__name__)

STAGE = "read"  # the stage named in the dead letters made here

# Sidecars are tiny metadata files; refuse to pull a huge file into memory just
# because it happens to share a stem with a .txt.
MAX_SIDECAR_BYTES = 1_000_000

Parsed = Union[Article, DeadLetter]


def dead_letter(
    source: str,
    reason: str,
    raw: Union[bytes, str] = b"",
    article_id: Optional[str] = None,
) -> DeadLetter:
    """A read-stage ``DeadLetter`` with a printable excerpt of ``raw``."""
    return DeadLetter(
        source=source,
        stage=STAGE,
        reason=reason,
        article_id=article_id,
        excerpt=printable_excerpt(raw),
    )


# ------------------------------------------------------------ Metadata ----

_QUIET = contextvars.ContextVar("quiet_published_warnings", default=False)


@contextlib.contextmanager
def quiet_published_warnings():
    """No unparseable-``published`` warnings in this thread: for the id pass's
    second parse of a file, whose warnings the main parse gives anyway."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def _resolve_published(
    value: object, default: Optional[dt.date], where: str
) -> Tuple[Optional[dt.date], Optional[str]]:
    """``(published, None)``, or ``(None, reason)`` for an ambiguous value."""
    if value is None:
        return default, None
    parsed = read_published(value)
    if parsed.ambiguous:
        return None, parsed.ambiguous
    if parsed.date is None:
        # Not a dead letter on purpose (see module docstring): keep the article.
        if not _QUIET.get():
            _LOG.warning("%s: unparseable published %r; using default %s", where, value, default)
        return default, None
    return parsed.date, None


def _optional_str(value: object) -> Optional[str]:
    if isinstance(value, str) and value.strip():
        return value
    return None


def read_local_sidecar(path: str) -> Optional[bytes]:
    """A local sidecar's bytes (at most ``MAX_SIDECAR_BYTES`` + 1), or None if
    there is none. ``parse_file``'s default; the read stage passes a reader
    that also knows remote file systems."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read(MAX_SIDECAR_BYTES + 1)


def _load_sidecar(path: str, read_sidecar: Callable[[str], Optional[bytes]]) -> dict:
    """The sidecar's JSON object, or {} if absent/unusable (logged, not fatal).

    A broken sidecar only loses metadata; the article text is still good, so it
    is not worth a dead letter.
    """
    side = sidecar_path(path)
    try:
        data = read_sidecar(side)
    except Exception as e:  # pylint: disable=broad-except
        _LOG.warning("%s: cannot read sidecar: %s", side, e)
        return {}
    if data is None:
        return {}
    if len(data) > MAX_SIDECAR_BYTES:
        _LOG.warning(
            "%s: sidecar larger than %d bytes; ignored", side, MAX_SIDECAR_BYTES
        )
        return {}
    try:
        meta = json.loads(decode_bytes(data))
    except (ReadError, ValueError) as e:
        _LOG.warning("%s: bad sidecar JSON: %s", side, e)
        return {}
    if not isinstance(meta, dict):
        _LOG.warning("%s: sidecar is not a JSON object; ignored", side)
        return {}
    return meta


# ---------------------------------------------------------------- .txt ----


def _parse_txt(
    path: str,
    data: bytes,
    default_published: Optional[dt.date],
    read_sidecar: Callable[[str], Optional[bytes]],
) -> Iterator[Parsed]:
    _, stem, _ = split_path(path)
    try:
        text = decode_bytes(data)
    except ReadError as e:
        yield dead_letter(path, e.reason, data, stem)
        return
    if not text.strip():
        yield dead_letter(path, "empty: no text", data, stem)
        return
    meta = _load_sidecar(path, read_sidecar)
    published, ambiguous = _resolve_published(
        meta.get("published"), default_published, sidecar_path(path)
    )
    if ambiguous:
        yield dead_letter(path, ambiguous, data, stem)
        return
    yield Article(
        article_id=stem,
        source=path,
        text=text,
        published=published,
        title=_optional_str(meta.get("title")),
        url=_optional_str(meta.get("url")),
        content_hash=sha256_hex(data),
    )


# -------------------------------------------------------------- .jsonl ----


def _jsonl_lines(data: bytes, checked: bool = True) -> Iterator[Tuple[int, bytes, str]]:
    """``(lineno, raw_line_bytes, decoded_line)`` for each line, 1-based.

    The hash is of each line's own bytes, so for ASCII-compatible files the raw
    bytes are split on b"\\n" (CR stripped). UTF-16/32 files cannot be split
    bytewise; their lines are hashed as UTF-8 of the decoded line instead.
    ``checked=False`` (the id pass) skips the whole file's binary check: the
    same lines, but a file that would fail it is not refused.
    """
    if checked:
        text, encoding = decode_bytes_with_encoding(data)  # may raise ReadError
    else:
        text, encoding = decode_unchecked(data)  # may raise ReadError
    if encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        # normalize_text is idempotent: a no-op on the checked (normalised) text
        for lineno, line in enumerate(normalize_text(text).split("\n"), start=1):
            yield lineno, line.encode("utf-8"), line
        return
    body = data[3:] if encoding == "utf-8-sig" else data
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for lineno, raw in enumerate(body.split(b"\n"), start=1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        # Whole-file decoding already succeeded, so per-line decoding with the
        # same codec cannot meet anything new; "replace" is belt and braces.
        yield lineno, raw, normalize_text(raw.decode(codec, errors="replace"))


def _usable_id(raw_id: object) -> Optional[str]:
    """A line's ``id`` as the article id (non-blank string or integer), else None."""
    if (
        isinstance(raw_id, bool)
        or not isinstance(raw_id, (str, int))
        or (isinstance(raw_id, str) and not raw_id.strip())
    ):
        return None
    return str(raw_id)


def _parse_jsonl_line(
    path: str,
    stem: str,
    lineno: int,
    raw: bytes,
    line: str,
    default_published: Optional[dt.date],
    seen_ids: set,
) -> Iterator[Parsed]:
    source = f"{path}:{lineno}"
    try:
        obj = json.loads(line)
    except ValueError as e:
        yield dead_letter(source, f"bad_json: {e}", raw)
        return
    if not isinstance(obj, dict):
        yield dead_letter(
            source, f"bad_json: expected an object, got {type(obj).__name__}", raw
        )
        return

    raw_id = obj.get("id")
    article_id = _usable_id(raw_id)
    if article_id is None:
        if raw_id is not None:
            _LOG.warning("%s: unusable id %r; generating one", source, raw_id)
        article_id = f"{stem}-{lineno}"

    text = obj.get("text")
    if text is None:
        yield dead_letter(source, "missing_text: no 'text' field", raw, article_id)
        return
    if not isinstance(text, str):
        yield dead_letter(
            source,
            f"bad_text_type: expected string, got {type(text).__name__}",
            raw,
            article_id,
        )
        return
    if article_id in seen_ids:
        yield dead_letter(
            source,
            f"duplicate_id: {article_id!r} already read from this file",
            raw,
            article_id,
        )
        return
    seen_ids.add(article_id)
    text = normalize_text(text)
    if not text.strip():
        yield dead_letter(source, "empty: 'text' is blank", raw, article_id)
        return
    published, ambiguous = _resolve_published(obj.get("published"), default_published, source)
    if ambiguous:
        yield dead_letter(source, ambiguous, raw, article_id)
        return
    yield Article(
        article_id=article_id,
        source=source,
        text=text,
        published=published,
        title=_optional_str(obj.get("title")),
        url=_optional_str(obj.get("url")),
        content_hash=sha256_hex(raw),
    )


def _parse_jsonl(
    path: str, data: bytes, default_published: Optional[dt.date]
) -> Iterator[Parsed]:
    _, stem, _ = split_path(path)
    try:
        lines = list(_jsonl_lines(data))
    except ReadError as e:
        yield dead_letter(path, e.reason, data)
        return
    if not any(line.strip() for _, _, line in lines):
        yield dead_letter(path, "empty: no lines", data)
        return
    seen_ids: set = set()
    for lineno, raw, line in lines:
        if not line.strip():
            continue
        try:
            yield from _parse_jsonl_line(
                path, stem, lineno, raw, line, default_published, seen_ids
            )
        except Exception as e:  # pylint: disable=broad-except
            # One pathological line must not cost the other lines of the file.
            _LOG.exception("%s:%d: internal error", path, lineno)
            yield dead_letter(
                f"{path}:{lineno}", f"internal_error: {type(e).__name__}: {e}", raw
            )


def jsonl_ids(path: str, data: bytes) -> Iterator[str]:
    """The ids ``parse_file`` may give the articles of this JSON Lines file.

    Every article it makes has its id here, once; a few extra ids are harmless
    (lines it dead-letters for a blank ``text``, a file it refuses as binary).
    Lines are split and decoded as there, and ``json.loads`` yields each line's
    ``id`` and the *type* of its ``text``; nothing else is looked at: no binary
    check, no normalising of the text, no hash. Only a file that is neither
    UTF-8 nor BOM-marked pays for charset detection: its ids depend on the codec.
    """
    _, stem, _ = split_path(path)
    try:
        lines = list(_jsonl_lines(data, checked=False))
    except ReadError:
        return  # parse_file makes no article of it either
    seen_ids = set()
    for lineno, _, line in lines:
        if not line.strip():
            continue
        try:  # the same calls, in the same order, as _parse_jsonl_line
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                continue
            article_id = _usable_id(obj.get("id")) or f"{stem}-{lineno}"
        except Exception:  # pylint: disable=broad-except
            continue  # bad_json (or internal_error) there: no article, no id seen
        if article_id not in seen_ids:  # a repeat is a duplicate_id dead letter there
            seen_ids.add(article_id)
            yield article_id


# --------------------------------------------------------------- .html ----


def _parse_html(
    path: str, data: bytes, default_published: Optional[dt.date]
) -> Iterator[Parsed]:
    import trafilatura  # heavy import, only paid for by HTML inputs
    from trafilatura.metadata import extract_metadata

    _, stem, _ = split_path(path)
    try:
        html = decode_bytes(data)
    except ReadError as e:
        yield dead_letter(path, e.reason, data, stem)
        return
    if not html.strip():
        yield dead_letter(path, "empty: no content", data, stem)
        return
    # Purely local: trafilatura is given the markup, never a URL to fetch.
    text = trafilatura.extract(html, include_comments=False, favor_recall=True)
    if not text or not text.strip():
        yield dead_letter(path, "no_text: no main text found in HTML", data, stem)
        return
    title = url = None
    try:
        # extensive=False: we only want title/url, not htmldate's deep date
        # guessing (it happily reads "Copyright 2024" as the publication date).
        meta = extract_metadata(html, extensive=False)
        title = _optional_str(getattr(meta, "title", None))
        url = _optional_str(getattr(meta, "url", None))
    except Exception as e:  # pylint: disable=broad-except
        _LOG.warning("%s: metadata extraction failed: %s", path, e)
    yield Article(
        article_id=stem,
        source=path,
        text=normalize_text(text),
        published=default_published,
        title=title,
        url=url,
        content_hash=sha256_hex(data),
    )


# ------------------------------------------------------------ Any file ----


def parse_file(
    path: str,
    data: bytes,
    default_published: Optional[dt.date] = None,
    *,
    max_bytes: Optional[int] = None,
    read_sidecar: Optional[Callable[[str], Optional[bytes]]] = None,
) -> Iterator[Parsed]:
    """Parse one file's raw bytes into Articles and/or DeadLetters.

    ``path`` is used for dispatch (extension), ids (stem), ``source`` and to
    locate a ``.txt``'s sidecar, which is read with ``read_sidecar`` (default:
    ``read_local_sidecar``, local files only). Never raises for bad *input*; an
    unexpected bug is turned into an ``internal_error`` dead letter by the
    caller (the read stage's ``ReadFileFn``).
    """
    unsupported = unsupported_reason(path)
    if unsupported:
        yield dead_letter(path, unsupported, data)
        return
    if max_bytes is not None and len(data) > max_bytes:
        yield dead_letter(
            path, too_large_reason(len(data), max_bytes), data, file_article_id(path)
        )
        return
    if not data.strip():
        yield dead_letter(
            path,
            "empty: 0 bytes" if not data else "empty: whitespace only",
            data,
            file_article_id(path),
        )
        return
    ext = split_path(path)[2].lower()
    if ext in TXT_EXTENSIONS:
        yield from _parse_txt(
            path, data, default_published, read_sidecar or read_local_sidecar
        )
    elif ext in JSONL_EXTENSIONS:
        yield from _parse_jsonl(path, data, default_published)
    else:
        yield from _parse_html(path, data, default_published)
