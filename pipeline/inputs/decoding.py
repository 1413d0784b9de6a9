"""Raw bytes -> normalised text: BOMs, UTF-8, legacy charsets, and what is not text.

One job: turn an input's bytes into the one string every offset downstream
refers to (``normalize_text``), or raise ``ReadError("binary", ...)``. Also the
content hash every article carries (``sha256_hex``); a dead letter's excerpt is
``pipeline.records.printable_excerpt``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Optional, Tuple


class ReadError(ValueError):
    """A whole input is unusable; ``code`` becomes the dead-letter reason code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def reason(self) -> str:
        return str(self)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_text(text: str) -> str:
    """Newlines to ``\\n`` and Unicode NFC; nothing else is touched.

    Every offset downstream refers to this string, so it must be the only
    normalisation ever applied to article text.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


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


def decode_unchecked(data: bytes) -> Tuple[str, str]:
    """``(text, codec)`` as ``decode_bytes_with_encoding`` finds them, before its
    binary check (share of control characters) and before ``normalize_text``.

    BOM first, then NUL bytes (``ReadError``), then UTF-8, then charset
    detection; a leading BOM is stripped. Raises ``ReadError`` like it.
    """
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
    return text, encoding


def decode_bytes_with_encoding(data: bytes) -> Tuple[str, str]:
    """Like ``decode_bytes`` but also returns the codec name that was used."""
    text, encoding = decode_unchecked(data)
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
