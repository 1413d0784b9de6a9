"""Two path helpers every layer needs, without Beam.

* :func:`is_glob`: does an input pattern need matching?
* :func:`is_remote`: is a path a URI (``gs://``, ``s3://``, ``file://``, ...)
  that Beam's or pyarrow's filesystems open, rather than a local path? The one
  test for it: the driver's checks, the input listing, the output operations.
* :func:`atomic_write`: write a local file so that a reader, or a crash, never
  sees half of it: write a temporary file in the same folder, flush it to disk,
  then ``os.replace`` it onto the destination (atomic on one filesystem).
  Remote outputs move through Beam's ``FileSystems`` instead
  (:func:`pipeline.ops.publish.move`), which this module does not import.
* :class:`FolderJson`: a dataclass kept as one JSON file in a model folder (the
  configuration that travels with the weights beside it).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from typing import ClassVar, Iterator


def is_glob(pattern: str) -> bool:
    """True when ``pattern`` holds a glob character (``*``, ``?``, ``[``)."""
    return bool(set(pattern) & set("*?["))


def is_remote(path: str) -> bool:
    """True for a URI (``scheme://...``), False for a local path."""
    return "://" in path


@contextlib.contextmanager
def atomic_write(path: str, mode: int = 0o644) -> Iterator[str]:
    """A temporary path beside ``path`` for the block to write; when the block
    succeeds, that file is flushed to disk (``fsync``), given ``mode`` and
    renamed onto ``path``, replacing what was there; when it fails, it is removed
    and ``path`` is left as it was. Local paths only."""
    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # else a crash after the rename can leave an empty file
        finally:
            os.close(fd)
        os.chmod(tmp, mode)  # mkstemp's 0600 would hide a shared cache from others
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class FolderJson:
    """Mixin for a dataclass saved as the file ``FILE`` of a model folder."""

    FILE: ClassVar[str] = ""
    INDENT: ClassVar[int] = 1

    def save(self, folder: str) -> None:
        with open(os.path.join(folder, self.FILE), "w") as f:
            json.dump(dataclasses.asdict(self), f, indent=self.INDENT)

    @classmethod
    def load(cls, folder: str):
        with open(os.path.join(folder, cls.FILE)) as f:
            return cls(**json.load(f))
