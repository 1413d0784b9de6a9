"""Shared by the tests of operating the pipeline (test_hostile_inputs, test_long_sentences,
test_element_errors, test_publish, test_partitions_incremental, test_cli, test_runners):
inputs, the CLI as an operator calls it, reading the tables back, and hand-made
sentences, docs and tagger frames.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.cli import main
from pipeline.ops.tables import read_table
from pipeline.records import Article, ArticleDoc, Sentence
from tests.tables import SORT_KEYS, sort_rows


ROOT = Path(__file__).resolve().parent.parent
READ_DATA = ROOT / "tests" / "data" / "read"
SEEDS = str(ROOT / "seeds" / "*.txt")
TABLES = ("events", "articles", "dead_letters", "event_clusters")
PUBLISHED = "2024-06-20"
GOOD_1 = ("Russian President Vladimir Putin said on Thursday that Moscow would supply "
          "weapons to North Korea.\nSeoul announced new sanctions against Pyongyang.\n")
GOOD_2 = ("The European Union warned China against arming Russia.\n"
          "Officials in Brussels said talks would resume next month.\n")
CLAUSE = "the minister said that the army would send more troops to the border region"


def cli(*args, model_dir):
    return main([*map(str, args), "--model", model_dir, "--threads", "1"])


def read_tables(out, run_date=None):
    """The three tables as rows, each in its documented reading order (SORT_KEYS):
    the files hold rows in processing order."""
    return {t: sort_rows(read_table(str(out), t, run_date).to_pylist(), SORT_KEYS[t])
            for t in TABLES}


def part_bytes(out):
    """Every part file under the output, as {relative path: bytes}."""
    return {str(p.relative_to(out)): p.read_bytes()
            for p in sorted(Path(out).rglob("*.parquet"))}


def code(reason):
    return reason.split(":", 1)[0]


def sentence_of(text, article_id="s", index=0):
    """A Sentence over ``text`` split on spaces, with article offsets."""
    words, starts, pos = text.split(" "), [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    return Sentence(article_id, index, 0, len(text), text, tuple(words), tuple(starts),
                    tuple(s + len(w) for s, w in zip(starts, words)))


def doc_of(*sentences, article_id="s", source="in/s.txt", frames=(), events=(),
           published=None):
    """An ArticleDoc holding ``sentences`` (and, when given, their frames / events)."""
    article = Article(article_id, source, " ".join(s.text for s in sentences), published)
    return ArticleDoc(article, tuple(sentences), tuple(frames), tuple(events))


def sentence_frames(*frames):
    from pipeline.tagger.predictor import SentenceFrames

    return SentenceFrames(tuple(frames), (), 0)


def pred_frame(pred, *args):
    from pipeline.tagger.predictor import Argument, PredFrame

    return PredFrame(pred, 0.9, (pred,), tuple(Argument(lbl, s, e, 0.8, fn) for lbl, s, e, fn in args))
