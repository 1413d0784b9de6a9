"""Listed files -> inputs: which files are inputs, and the names and ids they get.

One job: everything decided from a file's path (and listed size) alone, before
a byte is read: the input formats by extension, ``dir/stem`` grouping with
sidecars, the article id of a whole-file input, and the reasons a listed file
is refused (unsupported extension, too large, broken link).
"""

from __future__ import annotations

import glob
import os
from typing import Iterable, List, Optional, Tuple

from pipeline.paths import is_remote

TXT_EXTENSIONS = frozenset({".txt"})
JSONL_EXTENSIONS = frozenset({".jsonl"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
SUPPORTED_EXTENSIONS = TXT_EXTENSIONS | JSONL_EXTENSIONS | HTML_EXTENSIONS
SIDECAR_EXTENSION = ".json"


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


def select_inputs(paths: Iterable[str]) -> List[str]:
    """Drop duplicate paths and ``.json`` sidecars of matched ``.txt`` files.

    ``paths`` share one ``dir/stem`` (see ``ReadArticles``); returned sorted.
    """
    unique = sorted(set(paths))
    has_txt = any(split_path(p)[2].lower() in TXT_EXTENSIONS for p in unique)
    if has_txt:
        unique = [p for p in unique if split_path(p)[2] != SIDECAR_EXTENSION]
    return unique


def broken_links(pattern: str) -> List[str]:
    """Local symbolic links matching ``pattern`` whose target is gone.

    Beam's local matcher lists only paths whose size it can read, so it skips
    these silently; we report them as unreadable inputs instead."""
    if is_remote(pattern):
        return []
    return sorted(p for p in glob.glob(pattern, recursive=True)
                  if os.path.islink(p) and not os.path.exists(p))


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


def is_jsonl(path: str) -> bool:
    """A JSON Lines input: one article per line, each with its own id."""
    return split_path(path)[2].lower() in JSONL_EXTENSIONS


def too_large_reason(size: int, max_bytes: int) -> str:
    return f"too_large: {size} bytes > {max_bytes}"
