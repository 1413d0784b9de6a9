"""Read stage: file patterns -> ``Article`` elements, or ``DeadLetter`` elements.

``ReadArticles`` is the entry transform of the pipeline::

    read = pipeline | ReadArticles(["gs://bucket/news/*.jsonl"])
    read["articles"]      # PCollection[Article]
    read["dead_letters"]  # PCollection[DeadLetter], stage="read"

Beam only: matching, grouping by ``dir/stem``, opening files and the duplicate-id
check. What a file's bytes become (the formats, decoding, the dead-letter
codes) is ``pipeline.inputs``; nothing in here raises for bad input either.
Codes added here:

  no_match, unreadable, too_large (from the listed size, unread), internal_error,
  duplicate_id (one id in two inputs, ``a/x.txt`` and ``b/x.txt``, or two JSON
  Lines files: the smallest source keeps the id)

Files are grouped by ``dir/stem`` across all patterns: a file matched twice is
read once, and a matched ``.json`` whose ``.txt`` was also matched is that
``.txt``'s sidecar, not an input (any other ``.json`` is dead-lettered).

The duplicate-id check needs every id before the first article goes on, and
holding the articles for it would hold the corpus: so an *id pass* first, over
the same files, keeps only ids. It is cheap and exact:

1. Candidate ids, from what decides an id and nothing else. A ``.txt`` or
   ``.html`` file is its stem (``file_article_id``): the file is not even
   opened, its sidecar neither (the sidecar holds no id). A ``.jsonl`` file is
   read and each line goes through ``json.loads`` for its ``id`` and the type of
   its ``text`` (``jsonl_ids``). No HTML extraction, no charset detection (but
   for a JSON Lines file that is neither UTF-8 nor BOM-marked: its ids depend on
   the codec), no binary check, no hashing, no ``Article``. Files too large by
   their listed size, and other extensions, give no ids: they give no articles.
2. Candidates are a superset: a file that then turns out binary, empty, or
   HTML without main text, has a candidate id and no article. Counted as is,
   such a phantom could take an id from a real article. So only the files that
   share a candidate id with another file (rare: none in a corpus without
   repeated ids) are parsed in full, and their real articles' ``(id, source)``
   make the ``RepeatedIds``. An id read twice has two candidates, so all its
   files are among those; the repeated ids, and the first source of each, are
   exactly those of a full second read, which is what the id pass used to be.
3. The main read runs after the id pass and streams (see ``AfterTheIdPass``).

This module must stay light: it never imports torch/transformers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Iterator, Optional, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.fileio import ReadMatches
from apache_beam.metrics import Metrics

from pipeline.inputs.formats import (MAX_SIDECAR_BYTES, Parsed, dead_letter, jsonl_ids,
                                     parse_file, quiet_published_warnings)
from pipeline.inputs.listing import (broken_links, file_article_id, is_jsonl, select_inputs,
                                     split_path, too_large_reason, unsupported_reason)
from pipeline.records import EXCERPT_CHARS, Article

_LOG = logging.getLogger(__name__)

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"


def _read_sidecar_fs(path: str) -> Optional[bytes]:
    """Sidecar bytes via Beam's FileSystems (local, GCS, S3, ...) or None."""
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read(MAX_SIDECAR_BYTES + 1)


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
                dead_letter(path, "unreadable: broken symbolic link", b"", file_article_id(path)),
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
                dead_letter(
                    pattern, f"no_match: {pattern} ({type(e).__name__}: {e})", pattern
                ),
            )
            return
        if not metadata and not broken:
            self._no_match.inc()
            yield pvalue.TaggedOutput(
                DEAD_LETTERS, dead_letter(pattern, f"no_match: {pattern}", pattern)
            )
            return
        for m in metadata:
            directory, stem, _ = split_path(m.path)
            yield directory + stem, m


class ReadFileFn(beam.DoFn):
    """ReadableFile -> Articles (main output) and DeadLetters (tagged)."""

    def __init__(self, default_published: Optional[dt.date], max_bytes: int,
                 counter_prefix: str = "", quiet: bool = False):
        self._default_published = default_published
        self._max_bytes = max_bytes
        self._quiet = quiet  # the id pass: the main read warns about the same file
        # the id pass's full parse of files sharing an id (``ReadArticles``)
        # counts under its own names
        self._articles = Metrics.counter(self.__class__, counter_prefix + "articles")
        self._dead = Metrics.counter(self.__class__, counter_prefix + "dead_letters")

    def process(self, readable_file):
        path = getattr(getattr(readable_file, "metadata", None), "path", None)
        path = path or repr(readable_file)[:200]
        try:
            with quiet_published_warnings() if self._quiet else contextlib.nullcontext():
                outputs = list(self._read_and_parse(readable_file, path))
        except Exception as e:  # pylint: disable=broad-except
            # A bug for one file must never take the pipeline down.
            _LOG.exception("%s: internal error while reading", path)
            outputs = [dead_letter(path, f"internal_error: {type(e).__name__}: {e}")]
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
            yield dead_letter(path, unsupported, _head(readable_file))
            return
        size = readable_file.metadata.size_in_bytes or 0
        if size > self._max_bytes:  # decided from metadata, without reading
            yield dead_letter(
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
            yield dead_letter(
                path,
                f"unreadable: {type(e).__name__}: {e}",
                article_id=file_article_id(path),
            )
            return
        if len(data) > self._max_bytes:
            yield dead_letter(
                path,
                too_large_reason(max(size, len(data)), self._max_bytes),
                data,
                file_article_id(path),
            )
            return
        yield from parse_file(path, data, self._default_published,
                              read_sidecar=_read_sidecar_fs)


def _head(readable_file) -> bytes:
    """The first bytes of a file, for an excerpt; b"" if it cannot be read.

    Failing to get an excerpt is not worth a second dead letter.
    """
    try:
        with readable_file.open() as f:
            return f.read(EXCERPT_CHARS * 4)
    except Exception:  # pylint: disable=broad-except
        return b""


def _candidate_ids(metadata, max_bytes: int) -> Iterator:
    """FileMetadata -> ``(article id, path)`` for each id its file may give.

    The id pass's first step: every article ``ReadFileFn`` makes of this file
    has its id here (module docstring). A ``.txt``/``.html`` file is not opened.
    """
    path = metadata.path
    ids: Sequence[str] = []
    try:
        ids = _file_ids(path, metadata.size_in_bytes or 0, max_bytes)
    except (IOError, OSError):
        pass  # unreadable: ReadFileFn dead-letters it
    except Exception:  # pylint: disable=broad-except
        # A bug in what ReadFileFn does too (it then makes an internal_error).
        _LOG.exception("%s: internal error in the id pass", path)
    for article_id in ids:
        yield article_id, path


def _file_ids(path: str, size: int, max_bytes: int) -> Sequence[str]:
    if size > max_bytes:
        return []  # too_large, decided unread by ReadFileFn too
    article_id = file_article_id(path)
    if article_id is not None:
        return [article_id]
    if not is_jsonl(path):
        return []  # unsupported_extension
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        data = f.read(max_bytes + 1)
    return [] if len(data) > max_bytes else list(jsonl_ids(path, data))


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
        # The id pass (module docstring). Grouping the articles themselves by
        # id held every article's text until the last file was read: peak RSS
        # of reading alone (read -> count, DirectRunner) was 209 MB at 2,000
        # articles and 305 MB at 10,000; with an id pass (then a full second
        # read), 183 and 189 MB.
        shared_files = (
            inputs
            | "CandidateIds" >> beam.FlatMap(_candidate_ids, self._max_bytes)
            | "FilesPerId" >> beam.CombinePerKey(beam.combiners.ToSetCombineFn())
            # (path, id) for each file with a candidate id that another file has
            | "SharedIds" >> beam.FlatMap(
                lambda kv: [(path, kv[0]) for path in kv[1]] if len(kv[1]) > 1 else [])
        )
        checked = (
            inputs
            # Only those files are parsed in full, for their real (id, source).
            | "OnlyShared" >> beam.Filter(lambda m, shared: m.path in shared,
                                          beam.pvalue.AsDict(shared_files))
            | "OpenForIds" >> ReadMatches(compression=CompressionTypes.UNCOMPRESSED)
            | "ParseForIds"
            >> beam.ParDo(
                ReadFileFn(self._default_published, self._max_bytes, counter_prefix="id_pass_",
                           quiet=True)
            ).with_outputs(DEAD_LETTERS, main=ARTICLES)
        )
        repeated = checked[ARTICLES] | "RepeatedIds" >> RepeatedIds()
        parsed = (
            inputs
            # A side input the step does not need, for the order: the runner then
            # reads the articles in a stage after the id pass, fused with
            # everything downstream, so they stream. Without it the results are
            # the same but the memory is not: "Open" and "Parse" fuse with
            # "SelectInputs" (the stage that feeds the id pass), and every
            # article waits in memory before "UniqueIds" for the repeated ids.
            # It stays: Python Beam has no ``Wait.on``, and this is its idiom.
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
            dead_letter(article.source,
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
