"""Beam's DaskRunner on a local dask.distributed cluster of 2 worker processes.

Result (Beam 2.77.0, dask/distributed 2026.8.0; docs/DASK.md): the DaskRunner
cannot run this pipeline. Its translation of a ``ParDo`` into a Dask bag
(``apache_beam/runners/dask/transform_evaluator.py`` and ``dask_runner.py``)
loses, mixes and duplicates elements. Each upstream bug has a minimal
reproduction below, written as a strict xfail that asserts what a correct
runner gives: it fails today, and turns into an XPASS (a failed test) on the
day a Beam upgrade fixes it, which is the signal to look at the DaskRunner
again. ``raises=AssertionError``: any other error (no cluster, an import
problem) is reported as a failure, not hidden as the expected one.

What the pipeline does under the DaskRunner today is checked by
``test_our_run_fails_loudly_and_publishes_nothing``. The portability proof
stays ``tests/test_runners.py::test_portable_runner_gives_the_same_rows_as_the_direct_runner``.

Needs ``apache-beam[dask]`` (``dask`` and ``distributed``); skipped without it.
"""
from __future__ import annotations

import glob
import os
import uuid

import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed "
    "(pip install 'apache-beam[dask]==2.77.0'; see docs/DASK.md)")
pytest.importorskip("dask.bag", reason="dask is not installed "
                    "(pip install 'apache-beam[dask]==2.77.0'; see docs/DASK.md)")

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "seeds", "*.txt")
DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"  # not among Beam's short names
TE = "apache_beam/runners/dask/transform_evaluator.py"


@pytest.fixture(scope="module")
def cluster():
    """A local dask.distributed cluster: 2 worker processes, 1 thread each.
    Yields the scheduler's address (what ``--dask_client_address`` takes)."""
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as c:
        yield c.scheduler_address


def _record(element, folder):
    """The sink of the reproductions: one file per element that reached it.
    A file, not the runner's result object, so that what counts is what ran."""
    tag, value = element
    with open(os.path.join(folder, f"{tag}~{value}~{uuid.uuid4().hex}"), "w"):
        pass
    return element


def recorded(folder):
    """What reached ``_record``: sorted ``(tag, value)`` pairs, repeats kept."""
    pairs = (os.path.basename(p).split("~")[:2] for p in glob.glob(os.path.join(folder, "*")))
    return sorted((tag, int(value)) for tag, value in pairs)


def run_on_dask(build, address, folder):
    """Build a pipeline with ``build(p, folder)``, run it on the DaskRunner
    against the cluster at ``address``, wait, close the runner's client, and
    return what was recorded."""
    from apache_beam.runners.dask.dask_runner import DaskRunner

    os.makedirs(folder, exist_ok=True)
    p = beam.Pipeline(runner=DaskRunner(),
                      options=PipelineOptions([f"--dask_client_address={address}"]))
    build(p, str(folder))
    result = p.run()
    try:
        result.wait_until_finish()
    finally:
        client = getattr(result, "client", None)
        if client is not None:
            client.close()
    return recorded(folder)


def _tagged(x):
    if x % 2:
        yield beam.pvalue.TaggedOutput("odd", x)
    else:
        yield x


def _identity(x):
    return x


def _with_side(x, side):
    return ("seen", len(side))


# ------------------------------------------------------------ the reproductions


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Beam 2.77 DaskRunner drops what a DoFn emits in finish_bundle: "
    f"apply_dofn_to_bundle ({TE}:193-203) copies the receivers' outputs (line 198) "
    "before invoke_finish_bundle (line 200). BatchElements emits each bundle's last, "
    "partial batch there (transforms/util.py:785-788): 96 of 100 come out."))
def test_batch_elements_loses_nothing(cluster, tmp_path):
    """The reported loss: 100 elements in batches of 8 -> 12 full batches from
    ``process`` and the last 4 elements from ``finish_bundle``, which is lost
    (one per Dask partition: with --dask_partition_size=10, 80 of 100)."""
    def build(p, folder):
        (p | beam.Create(range(100))
           | beam.BatchElements(min_batch_size=8, max_batch_size=8)
           | beam.FlatMap(_identity)
           | beam.Map(lambda x: ("n", x))
           | beam.Map(_record, folder))

    got = run_on_dask(build, cluster, tmp_path / "out")
    assert len(got) == 100, f"{len(got)} of 100 elements came out"
    assert got == [("n", i) for i in range(100)]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Beam 2.77 DaskRunner mixes tagged outputs into the main output: results are "
    f"unwrapped with v.value ({TE}:198), dropping the tag, and the visitor keeps one "
    "bag per producing transform (dask_runner.py:192-194, 217), so every output "
    "PCollection of a multi-output ParDo is the same bag."))
def test_tagged_outputs_stay_apart(cluster, tmp_path):
    """``with_outputs``: evens to the main output, odds to ``odd``. Both paths
    end in one sink (a Flatten), so this does not depend on the sink bug."""
    def build(p, folder):
        outs = p | beam.Create(range(10)) | beam.FlatMap(_tagged).with_outputs("odd", main="even")
        ((outs.even | "Even" >> beam.Map(lambda x: ("even", x)),
          outs.odd | "Odd" >> beam.Map(lambda x: ("odd", x)))
         | beam.Flatten()
         | beam.Map(_record, folder))

    got = run_on_dask(build, cluster, tmp_path / "out")
    assert got == sorted([("even", i) for i in range(0, 10, 2)]
                         + [("odd", i) for i in range(1, 10, 2)])


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Beam 2.77 DaskRunner computes only the bag of the last transform it visited "
    "(dask_runner.py:247-252, list(dask_visitor.bags.values())[-1]): any other leaf "
    "of the graph, e.g. a second sink, never runs."))
def test_every_sink_runs(cluster, tmp_path):
    """Two sinks on one PCollection (our pipeline has three table writes)."""
    def build(p, folder):
        numbers = p | beam.Create(range(5))
        numbers | "A" >> beam.Map(lambda x: ("a", x)) | "RecordA" >> beam.Map(_record, folder)
        numbers | "B" >> beam.Map(lambda x: ("b", x)) | "RecordB" >> beam.Map(_record, folder)

    got = run_on_dask(build, cluster, tmp_path / "out")
    assert got == sorted([("a", i) for i in range(5)] + [("b", i) for i in range(5)])


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Beam 2.77 DaskRunner builds one output buffer per ParDo at translation time "
    f"(OneReceiver, {TE}:220), hands it to every bundle's task (:242-247) and returns "
    "everything it ever received (:198). A ParDo whose output is also a side input "
    "runs twice with the same buffer in one fused task (the side input is computed "
    "inside the consuming task, :91-96), so the side input sees each element twice."))
def test_side_input_sees_each_element_once(cluster, tmp_path):
    """``AsList`` of a ParDo's output, read by a ParDo on the same output."""
    def build(p, folder):
        numbers = p | beam.Create(range(10)) | "Same" >> beam.Map(_identity)
        numbers | "Use" >> beam.Map(_with_side, beam.pvalue.AsList(numbers)) | beam.Map(_record, folder)

    got = run_on_dask(build, cluster, tmp_path / "out")
    assert got == [("seen", 10)] * 10, f"side input lengths: {sorted(set(v for _, v in got))}"


# ------------------------------------------------------------ our pipeline


def test_our_run_fails_loudly_and_publishes_nothing(cluster, tmp_path, model_dir):
    """The real pipeline (CLI, seed article) on the DaskRunner and the 2-worker
    cluster: the run must fail with a non-zero exit code and leave the previous
    output as it was, never publish partial tables. Today it fails inside the
    pipeline (the dead-letter rows get the read stage's main output: the tagged
    outputs bug); with the other bugs alone it would fail at the accounting
    check (finish_bundle: ``inputs without an articles row``) or when the
    tables are read back (sinks not run) -- docs/DASK.md."""
    from pipeline.cli import main

    out = tmp_path / "out"
    previous = out / "events" / "part-00000-of-00001.parquet"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"the previous run's events")

    try:
        rc = main(["--input", SEEDS, "--output", str(out), "--published", "2024-06-20",
                   "--model", model_dir, "--threads", "1",
                   f"--runner={DASK_RUNNER}", f"--dask_client_address={cluster}"])
    finally:  # the runner's client (run() does not close it): not past the cluster
        try:
            distributed.default_client().close()
        except ValueError:  # none was made (a run refused before it started)
            pass

    assert rc != 0
    assert previous.read_bytes() == b"the previous run's events"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet")) == [
        "events/part-00000-of-00001.parquet"]
    assert not list(out.glob(".staging-*"))  # the failed run cleaned up after itself
