"""Read stage: file patterns -> ``Article`` elements, or ``DeadLetter`` elements.

``ReadArticles`` is the entry transform of the pipeline::

    read = pipeline | ReadArticles(["gs://bucket/news/*.jsonl"])
    read["articles"]      # PCollection[Article]
    read["dead_letters"]  # PCollection[DeadLetter], stage="read"

Supported inputs (dispatched on the file extension, case-insensitive):

* ``.txt``   one article; ``article_id`` is the file stem. An optional sidecar
  ``<stem>.json`` next to it may carry ``published`` (YYYY-MM-DD), ``title``
  and ``url``. A matched ``.json`` whose ``.txt`` was also matched is a sidecar,
  not an input, and is skipped silently; any other ``.json`` is dead-lettered.
* ``.jsonl`` one article per line: ``id``, ``text`` and optional
  ``published``, ``title``, ``url``. Bad lines are dead-lettered one by one so
  that one broken line never costs the rest of the file.
* ``.html`` / ``.htm`` main text extracted locally with trafilatura.

Nothing in here raises for bad input: every failure becomes a ``DeadLetter``
whose ``reason`` is ``"<code>: <detail>"``. Codes emitted by this stage:

  no_match, unsupported_extension, too_large, unreadable, binary, empty,
  bad_json, missing_text, bad_text_type, duplicate_id, no_text, internal_error

``duplicate_id`` covers one id twice in a JSON Lines file and one id in two
inputs (``a/x.txt`` and ``b/x.txt``): the smallest source keeps the id.

An unparseable ``published`` value is deliberately *not* a dead letter: the
text is still worth extracting events from, so the article is kept with
``published`` = ``default_published`` and a warning is logged.

The plain functions (``parse_file``, ``decode_bytes``, ...) do all the work and
need no Beam, so they can be unit- and property-tested directly; the DoFns only
do I/O around them.

This module must stay light: it never imports torch/transformers.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import logging
import os
import re
import unicodedata
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.fileio import ReadMatches
from apache_beam.metrics import Metrics

from pipeline.records import Article, DeadLetter

_LOG = logging.getLogger(__name__)

STAGE = "read"
ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"

EXCERPT_CHARS = 200
# Sidecars are tiny metadata files; refuse to pull a huge file into memory just
# because it happens to share a stem with a .txt.
_MAX_SIDECAR_BYTES = 1_000_000

TXT_EXTENSIONS = frozenset({".txt"})
JSONL_EXTENSIONS = frozenset({".jsonl"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
SUPPORTED_EXTENSIONS = TXT_EXTENSIONS | JSONL_EXTENSIONS | HTML_EXTENSIONS
SIDECAR_EXTENSION = ".json"

Parsed = Union[Article, DeadLetter]


class ReadError(ValueError):
    """A whole input is unusable; ``code`` becomes the dead-letter reason code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def reason(self) -> str:
        return str(self)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def printable_excerpt(raw: Union[bytes, str], limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of ``raw``, non-printables repr-escaped.

    Dead letters end up in logs and Parquet; an excerpt must never carry NULs,
    terminal escapes or newlines that would break those viewers.
    """
    if isinstance(raw, bytes):
        # Generous byte prefix: up to 4 bytes per UTF-8 character.
        raw = raw[: limit * 4].decode("utf-8", errors="backslashreplace")
    out = []
    for ch in raw[:limit]:
        out.append(ch if ch.isprintable() else repr(ch)[1:-1])
    return "".join(out)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_path(path: str) -> Tuple[str, str, str]:
    """``(directory, stem, extension)``; works for local paths and URLs alike.

    The extension keeps its original case (sidecar names are built from it);
    compare it lower-cased.
    """
    cut = max(path.rfind("/"), path.rfind("\\"))
    directory, name = path[: cut + 1], path[cut + 1 :]
    dot = name.rfind(".")
    if dot <= 0:  # no extension, or a dot-file such as ".env"
        return directory, name, ""
    return directory, name[:dot], name[dot:]


def sidecar_path(path: str) -> str:
    """``dir/stem.txt`` -> ``dir/stem.json``."""
    directory, stem, _ = split_path(path)
    return directory + stem + SIDECAR_EXTENSION


def normalize_text(text: str) -> str:
    """Newlines to ``\\n`` and Unicode NFC; nothing else is touched.

    Every offset downstream refers to this string, so it must be the only
    normalisation ever applied to article text.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:$|[T ])")


def parse_published(value: object) -> Optional[dt.date]:
    """``YYYY-MM-DD`` (an ISO timestamp is cut to its date); else ``None``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:  # 2024-02-30 and friends
        return None


def _resolve_published(
    value: object, default: Optional[dt.date], where: str
) -> Optional[dt.date]:
    if value is None:
        return default
    parsed = parse_published(value)
    if parsed is None:
        # Not a dead letter on purpose (see module docstring): keep the article.
        _LOG.warning(
            "%s: unparseable published %r; using default %s", where, value, default
        )
        return default
    return parsed


def _optional_str(value: object) -> Optional[str]:
    if isinstance(value, str) and value.strip():
        return value
    return None


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# Characters that are fine in text even though they are "control" characters.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
# Share of control/unassigned/private-use characters above which decoded
# "text" is really binary data that happened to decode.
_MAX_CONTROL_RATIO = 0.05
_BAD_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(
        1
        for ch in text
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in _BAD_CATEGORIES
    )
    return bad / len(text)


def _detect_legacy(data: bytes) -> Tuple[str, str]:
    """Decode non-UTF-8 bytes with charset_normalizer, biased to Windows-1252.

    charset_normalizer alone is unreliable on short Western text (it reads
    Latin-1 "café" as UTF-16-BE and Windows-1252 quotes as cp852). Our corpus is
    Western news, so Windows-1252 (a printable superset of Latin-1) wins whenever
    charset_normalizer accepts it with no more "chaos" than its own best guess;
    Cyrillic, Greek, CJK, ... are still recognised because it then rejects
    Windows-1252 outright.
    """
    import charset_normalizer  # local: only paid for on the rare non-UTF-8 file

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ReadError("binary", "no plausible text encoding")
    western = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos:
        return str(western), "cp1252"
    return str(best), best.encoding


def decode_bytes_with_encoding(data: bytes) -> Tuple[str, str]:
    """Like ``decode_bytes`` but also returns the codec name that was used."""
    text: Optional[str] = None
    encoding = ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)  # utf-16/32/utf-8-sig strip the BOM
            except UnicodeDecodeError as e:
                raise ReadError("binary", f"invalid {codec} after BOM: {e.reason}")
            encoding = codec
            break
    if text is None:
        if b"\x00" in data:
            # NUL never appears in 8-bit text; UTF-16 is only accepted with a BOM.
            raise ReadError("binary", "NUL bytes")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _detect_legacy(data)
    if text.startswith("\ufeff"):  # a stray BOM after detection
        text = text[1:]
    ratio = _control_ratio(text)
    if ratio > _MAX_CONTROL_RATIO:
        raise ReadError("binary", f"{ratio:.0%} control characters ({encoding})")
    return normalize_text(text), encoding


def decode_bytes(data: bytes) -> str:
    """Raw bytes -> normalised text (BOM stripped, ``\\n`` newlines, NFC).

    UTF-8 (with or without BOM), UTF-16/32 with BOM, and legacy single-byte
    encodings (Latin-1 / Windows-1252, ...) via charset_normalizer. Raises
    ``ReadError("binary", ...)`` for data that is not text. Empty input decodes
    to ``""``; deciding that empty is an error is the caller's business.
    """
    return decode_bytes_with_encoding(data)[0]


# --------------------------------------------------------------------------
# Per-format parsing (plain Python, no Beam)
# --------------------------------------------------------------------------


def _dead(
    source: str,
    reason: str,
    raw: Union[bytes, str] = b"",
    article_id: Optional[str] = None,
) -> DeadLetter:
    return DeadLetter(
        source=source,
        stage=STAGE,
        reason=reason,
        article_id=article_id,
        excerpt=printable_excerpt(raw),
    )


def _read_sidecar_fs(path: str) -> Optional[bytes]:
    """Sidecar bytes via Beam's FileSystems (local, GCS, S3, ...) or None."""
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read(_MAX_SIDECAR_BYTES + 1)


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
    if len(data) > _MAX_SIDECAR_BYTES:
        _LOG.warning(
            "%s: sidecar larger than %d bytes; ignored", side, _MAX_SIDECAR_BYTES
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
        yield _dead(path, e.reason, data, stem)
        return
    if not text.strip():
        yield _dead(path, "empty: no text", data, stem)
        return
    meta = _load_sidecar(path, read_sidecar)
    yield Article(
        article_id=stem,
        source=path,
        text=text,
        published=_resolve_published(
            meta.get("published"), default_published, sidecar_path(path)
        ),
        title=_optional_str(meta.get("title")),
        url=_optional_str(meta.get("url")),
        content_hash=sha256_hex(data),
    )


def _jsonl_lines(data: bytes) -> Iterator[Tuple[int, bytes, str]]:
    """``(lineno, raw_line_bytes, decoded_line)`` for each line, 1-based.

    The hash is of each line's own bytes, so for ASCII-compatible files the raw
    bytes are split on b"\\n" (CR stripped). UTF-16/32 files cannot be split
    bytewise; their lines are hashed as UTF-8 of the decoded line instead.
    """
    text, encoding = decode_bytes_with_encoding(data)  # may raise ReadError
    if encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        for lineno, line in enumerate(text.split("\n"), start=1):
            yield lineno, line.encode("utf-8"), line
        return
    body = data[3:] if encoding == "utf-8-sig" else data
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for lineno, raw in enumerate(body.split(b"\n"), start=1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        # Whole-file decoding already succeeded, so per-line decoding with the
        # same codec cannot meet anything new; "replace" is belt and braces.
        yield lineno, raw, normalize_text(raw.decode(codec, errors="replace"))


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
        yield _dead(source, f"bad_json: {e}", raw)
        return
    if not isinstance(obj, dict):
        yield _dead(
            source, f"bad_json: expected an object, got {type(obj).__name__}", raw
        )
        return

    raw_id = obj.get("id")
    if (
        isinstance(raw_id, bool)
        or not isinstance(raw_id, (str, int))
        or (isinstance(raw_id, str) and not raw_id.strip())
    ):
        if raw_id is not None:
            _LOG.warning("%s: unusable id %r; generating one", source, raw_id)
        article_id = f"{stem}-{lineno}"
    else:
        article_id = str(raw_id)

    text = obj.get("text")
    if text is None:
        yield _dead(source, "missing_text: no 'text' field", raw, article_id)
        return
    if not isinstance(text, str):
        yield _dead(
            source,
            f"bad_text_type: expected string, got {type(text).__name__}",
            raw,
            article_id,
        )
        return
    if article_id in seen_ids:
        yield _dead(
            source,
            f"duplicate_id: {article_id!r} already read from this file",
            raw,
            article_id,
        )
        return
    seen_ids.add(article_id)
    text = normalize_text(text)
    if not text.strip():
        yield _dead(source, "empty: 'text' is blank", raw, article_id)
        return
    yield Article(
        article_id=article_id,
        source=source,
        text=text,
        published=_resolve_published(obj.get("published"), default_published, source),
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
        yield _dead(path, e.reason, data)
        return
    if not any(line.strip() for _, _, line in lines):
        yield _dead(path, "empty: no lines", data)
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
            yield _dead(
                f"{path}:{lineno}", f"internal_error: {type(e).__name__}: {e}", raw
            )


def _parse_html(
    path: str, data: bytes, default_published: Optional[dt.date]
) -> Iterator[Parsed]:
    import trafilatura  # heavy import, only paid for by HTML inputs
    from trafilatura.metadata import extract_metadata

    _, stem, _ = split_path(path)
    try:
        html = decode_bytes(data)
    except ReadError as e:
        yield _dead(path, e.reason, data, stem)
        return
    if not html.strip():
        yield _dead(path, "empty: no content", data, stem)
        return
    # Purely local: trafilatura is given the markup, never a URL to fetch.
    text = trafilatura.extract(html, include_comments=False, favor_recall=True)
    if not text or not text.strip():
        yield _dead(path, "no_text: no main text found in HTML", data, stem)
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


def unsupported_reason(path: str) -> Optional[str]:
    """The dead-letter reason if ``path``'s extension is not an input format."""
    ext = split_path(path)[2].lower()
    if ext in SUPPORTED_EXTENSIONS:
        return None
    return f"unsupported_extension: {ext or '(none)'}"


def file_article_id(path: str) -> Optional[str]:
    """The article id a whole file would get (.txt/.html stem), else None."""
    _, stem, ext = split_path(path)
    return stem if ext.lower() in TXT_EXTENSIONS | HTML_EXTENSIONS else None


def too_large_reason(size: int, max_bytes: int) -> str:
    return f"too_large: {size} bytes > {max_bytes}"


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
    Beam FileSystems). Never raises for bad *input*; an unexpected bug is
    turned into an ``internal_error`` dead letter by the caller (``ReadFileFn``).
    """
    unsupported = unsupported_reason(path)
    if unsupported:
        yield _dead(path, unsupported, data)
        return
    if max_bytes is not None and len(data) > max_bytes:
        yield _dead(
            path, too_large_reason(len(data), max_bytes), data, file_article_id(path)
        )
        return
    if not data.strip():
        yield _dead(
            path,
            "empty: 0 bytes" if not data else "empty: whitespace only",
            data,
            file_article_id(path),
        )
        return
    ext = split_path(path)[2].lower()
    if ext in TXT_EXTENSIONS:
        yield from _parse_txt(
            path, data, default_published, read_sidecar or _read_sidecar_fs
        )
    elif ext in JSONL_EXTENSIONS:
        yield from _parse_jsonl(path, data, default_published)
    else:
        yield from _parse_html(path, data, default_published)


def select_inputs(paths: Iterable[str]) -> List[str]:
    """Drop duplicate paths and ``.json`` sidecars of matched ``.txt`` files.

    ``paths`` share one ``dir/stem`` (see ``ReadArticles``); returned sorted.
    """
    unique = sorted(set(paths))
    has_txt = any(split_path(p)[2].lower() in TXT_EXTENSIONS for p in unique)
    if has_txt:
        unique = [p for p in unique if split_path(p)[2] != SIDECAR_EXTENSION]
    return unique


# --------------------------------------------------------------------------
# Beam
# --------------------------------------------------------------------------


def broken_links(pattern: str) -> List[str]:
    """Local symbolic links matching ``pattern`` whose target is gone.

    Beam's local matcher lists only paths whose size it can read, so it skips
    these silently; we report them as unreadable inputs instead."""
    if "://" in pattern:
        return []
    return sorted(p for p in glob.glob(pattern, recursive=True)
                  if os.path.islink(p) and not os.path.exists(p))


class MatchPatternFn(beam.DoFn):
    """pattern -> ``(dir/stem, FileMetadata)`` per file; no_match dead letters.

    Patterns are matched one by one (not with ``fileio.MatchAll``) so that a
    pattern matching nothing can be reported as such instead of silently
    reading nothing. Globs are expanded by Beam's FileSystems, never a shell.
    """

    def __init__(self):
        self._no_match = Metrics.counter(self.__class__, "patterns_no_match")

    def process(self, pattern: str):
        broken = broken_links(pattern)
        for path in broken:
            yield pvalue.TaggedOutput(
                DEAD_LETTERS,
                _dead(path, "unreadable: broken symbolic link", b"", file_article_id(path)),
            )
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as e:  # pylint: disable=broad-except
            # e.g. BeamIOError for a missing bucket: same outcome for the user.
            if broken:
                return
            self._no_match.inc()
            yield pvalue.TaggedOutput(
                DEAD_LETTERS,
                _dead(
                    pattern, f"no_match: {pattern} ({type(e).__name__}: {e})", pattern
                ),
            )
            return
        if not metadata and not broken:
            self._no_match.inc()
            yield pvalue.TaggedOutput(
                DEAD_LETTERS, _dead(pattern, f"no_match: {pattern}", pattern)
            )
            return
        for m in metadata:
            directory, stem, _ = split_path(m.path)
            yield directory + stem, m


class ReadFileFn(beam.DoFn):
    """ReadableFile -> Articles (main output) and DeadLetters (tagged)."""

    def __init__(self, default_published: Optional[dt.date], max_bytes: int,
                 counter_prefix: str = ""):
        self._default_published = default_published
        self._max_bytes = max_bytes
        # the id-only second read (``ReadArticles``) counts under its own names
        self._articles = Metrics.counter(self.__class__, counter_prefix + "articles")
        self._dead = Metrics.counter(self.__class__, counter_prefix + "dead_letters")

    def process(self, readable_file):
        path = getattr(getattr(readable_file, "metadata", None), "path", None)
        path = path or repr(readable_file)[:200]
        try:
            outputs = list(self._read_and_parse(readable_file, path))
        except Exception as e:  # pylint: disable=broad-except
            # A bug for one file must never take the pipeline down.
            _LOG.exception("%s: internal error while reading", path)
            outputs = [_dead(path, f"internal_error: {type(e).__name__}: {e}")]
        for out in outputs:
            if isinstance(out, Article):
                self._articles.inc()
                yield out
            else:
                self._dead.inc()
                yield pvalue.TaggedOutput(DEAD_LETTERS, out)

    def _read_and_parse(self, readable_file, path: str) -> Iterator[Parsed]:
        unsupported = unsupported_reason(path)
        if unsupported:
            # Don't read what we won't parse: a prefix is enough for the excerpt.
            yield _dead(path, unsupported, _head(readable_file))
            return
        size = readable_file.metadata.size_in_bytes or 0
        if size > self._max_bytes:  # decided from metadata, without reading
            yield _dead(
                path,
                too_large_reason(size, self._max_bytes),
                _head(readable_file),
                file_article_id(path),
            )
            return
        try:
            with readable_file.open() as f:
                # +1: the listed size may be stale; never read unboundedly.
                data = f.read(self._max_bytes + 1)
        except (IOError, OSError) as e:
            yield _dead(
                path,
                f"unreadable: {type(e).__name__}: {e}",
                article_id=file_article_id(path),
            )
            return
        if len(data) > self._max_bytes:
            yield _dead(
                path,
                too_large_reason(max(size, len(data)), self._max_bytes),
                data,
                file_article_id(path),
            )
            return
        yield from parse_file(path, data, self._default_published)


def _head(readable_file) -> bytes:
    """The first bytes of a file, for an excerpt; b"" if it cannot be read.

    Failing to get an excerpt is not worth a second dead letter.
    """
    try:
        with readable_file.open() as f:
            return f.read(EXCERPT_CHARS * 4)
    except Exception:  # pylint: disable=broad-except
        return b""


class ReadArticles(beam.PTransform):
    """Files/globs -> ``{"articles": PCollection[Article],
    "dead_letters": PCollection[DeadLetter]}``.

    A dict (rather than a DoOutputsTuple) so callers index outputs by name and
    the dead letters of matching and of parsing arrive as one PCollection.
    """

    def __init__(
        self,
        patterns: Sequence[str],
        default_published: Optional[dt.date] = None,
        max_bytes: int = 5_000_000,
    ):
        super().__init__()
        if isinstance(patterns, str):
            patterns = [patterns]
        self._patterns = list(patterns)
        self._default_published = default_published
        self._max_bytes = max_bytes

    def expand(self, pbegin):
        matched = (
            pbegin
            | "Patterns" >> beam.Create(self._patterns)
            | "Match"
            >> beam.ParDo(MatchPatternFn()).with_outputs(DEAD_LETTERS, main="files")
        )
        inputs = (
            matched.files
            # Group by dir/stem across *all* patterns: drops a file matched by
            # two overlapping patterns, and sidecars whose .txt was matched. It
            # also spreads the reading over workers.
            | "ByStem" >> beam.GroupByKey()
            | "SelectInputs" >> beam.FlatMap(_select_metadata)
        )
        # Which ids occur more than once, from a second read of the same files
        # that keeps only (id, source) per article. Grouping the articles
        # themselves by id held every article's text until the last file was
        # read: peak RSS of reading alone (read -> count, DirectRunner) was
        # 209 MB at 2,000 articles and 305 MB at 10,000; with the id pass,
        # 183 and 189 MB. Reading twice costs little next to the models.
        id_pass = (
            inputs
            | "OpenForIds" >> ReadMatches(compression=CompressionTypes.UNCOMPRESSED)
            | "ParseForIds"
            >> beam.ParDo(
                ReadFileFn(self._default_published, self._max_bytes, counter_prefix="id_pass_")
            ).with_outputs(DEAD_LETTERS, main=ARTICLES)
        )
        repeated = id_pass[ARTICLES] | "RepeatedIds" >> RepeatedIds()
        parsed = (
            inputs
            # A side input the step does not need, for the order: the runner then
            # reads the articles in a stage after the id pass, fused with
            # everything downstream, so they stream. Fused with the id pass
            # (what a local runner does otherwise), all of them wait in memory
            # for the repeated ids.
            | "AfterTheIdPass" >> beam.Map(lambda m, _: m, beam.pvalue.AsList(repeated))
            | "Open" >> ReadMatches(compression=CompressionTypes.UNCOMPRESSED)
            | "Parse"
            >> beam.ParDo(
                ReadFileFn(self._default_published, self._max_bytes)
            ).with_outputs(DEAD_LETTERS, main=ARTICLES)
        )
        articles, duplicates = parsed[ARTICLES] | "UniqueIds" >> UniqueIds(repeated)
        dead = (
            matched[DEAD_LETTERS],
            parsed[DEAD_LETTERS],
            duplicates,
        ) | "FlattenDeadLetters" >> beam.Flatten()
        return {ARTICLES: articles, DEAD_LETTERS: dead}


class _CountAndFirstSource(beam.CombineFn):
    """sources of one id -> (how many, the smallest): the smallest source wins."""

    def create_accumulator(self):
        return 0, None

    def add_input(self, acc, source):
        n, first = acc
        return n + 1, source if first is None or source < first else first

    def merge_accumulators(self, accumulators):
        accumulators = list(accumulators)
        firsts = [first for _, first in accumulators if first is not None]
        return sum(n for n, _ in accumulators), min(firsts) if firsts else None

    def extract_output(self, acc):
        return acc


class RepeatedIds(beam.PTransform):
    """Articles -> ``(article_id, first source)`` for every id read more than
    once; the first source is the smallest (deterministic whatever the order)."""

    def expand(self, articles):
        return (articles
                | "IdAndSource" >> beam.Map(lambda a: (a.article_id, a.source))
                | "CountAndFirst" >> beam.CombinePerKey(_CountAndFirstSource())
                | "MoreThanOnce" >> beam.Filter(lambda kv: kv[1][0] > 1)
                | "FirstSource" >> beam.MapTuple(lambda article_id, acc: (article_id, acc[1])))


def _keep_first_of_each_id(article, repeated):
    first = repeated.get(article.article_id)
    if first is None or article.source == first:
        yield article
    else:
        yield pvalue.TaggedOutput(
            DEAD_LETTERS,
            _dead(article.source,
                  f"duplicate_id: {article.article_id!r} also read from {first}",
                  article.text, article.article_id),
        )


class UniqueIds(beam.PTransform):
    """Articles -> ``(articles with unique ids, duplicate_id dead letters)``,
    given ``repeated``: the ``RepeatedIds`` of the same articles.

    Later stages join on ``article_id``; two inputs with one id (``a/x.txt`` and
    ``b/x.txt``, or one JSON Lines id in two files) would be merged into one
    article row there, and one of them silently lost. The articles themselves
    are not grouped: a side input of the few repeated ids decides."""

    def __init__(self, repeated):
        super().__init__()
        self._repeated = repeated

    def expand(self, articles):
        out = articles | "FirstOfEachId" >> beam.FlatMap(
            _keep_first_of_each_id, repeated=beam.pvalue.AsDict(self._repeated)
        ).with_outputs(DEAD_LETTERS, main=ARTICLES)
        return out[ARTICLES], out[DEAD_LETTERS]


def _select_metadata(keyed):
    _, metadata = keyed
    by_path = {m.path: m for m in metadata}
    for path in select_inputs(by_path):
        yield by_path[path]
