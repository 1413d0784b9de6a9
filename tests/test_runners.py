"""Runners: the portable runner gives the direct runner's rows, articles are spread
over workers only when there are several, and the local runner
(pipeline.run.local_runner) delivers every element whole with two worker threads.
"""
from __future__ import annotations

import pytest

from pipeline.run import several_workers
from tests.ops_helpers import PUBLISHED, SEEDS, cli, read_tables


def test_portable_runner_gives_the_same_rows_as_the_direct_runner(tmp_path, model_dir):
    """The job API that the Flink and Spark runners use, with an in-process
    job server and the SDK harness in this process (LOOPBACK)."""
    args = ["--input", SEEDS, "--published", PUBLISHED]
    assert cli(*args, "--output", tmp_path / "direct", model_dir=model_dir) == 0
    assert cli(*args, "--output", tmp_path / "portable", "--runner=PortableRunner",
               "--job_endpoint=embed", "--environment_type=LOOPBACK", model_dir=model_dir) == 0
    direct, portable = read_tables(tmp_path / "direct"), read_tables(tmp_path / "portable")
    assert direct["events"] and portable == direct


@pytest.mark.parametrize("args,spread", [
    ([], False), (["--runner=DirectRunner"], False), (["--direct_num_workers=1"], False),
    (["--direct_num_workers=2"], True), (["--direct_num_workers=0"], True),
    (["--runner=PortableRunner"], True), (["--runner=DataflowRunner"], True)])
def test_articles_are_spread_over_workers_only_when_there_are_several(args, spread):
    # a shuffle after reading parallelises a big JSON Lines file over workers;
    # on one local worker it would only hold the corpus in memory
    from apache_beam.options.pipeline_options import PipelineOptions

    assert several_workers(PipelineOptions(args)) is spread


@pytest.mark.parametrize("args,local", [
    ([], True), (["--runner=DirectRunner"], True), (["--runner=directrunner"], True),
    (["--direct_num_workers=2", "--direct_running_mode=multi_processing"], True),
    (["--runner=PortableRunner"], False), (["--runner=DataflowRunner"], False),
    (["--runner=FnApiRunner"], False)])  # named by the operator: Beam builds it as given
def test_local_runs_name_the_fnapi_runner(args, local):
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

    from pipeline.runtime.local_runner import local_runner

    runner = local_runner(PipelineOptions(args))
    assert isinstance(runner, FnApiRunner) if local else runner is None


class SlowToPickle:
    """An element whose encoding runs Python code (the pickle fallback, as for
    a ``date`` or a dataclass): element 0 takes 1.5 s, longer than the 1 s
    between two timed flushes, so a timed flush lands between its header,
    already written, and its value."""

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        import time

        if self.i == 0:
            time.sleep(1.5)
        return (SlowToPickle, (self.i,))


def test_local_multi_threaded_runs_flush_output_streams_by_size_only():
    """``LocalFnApiRunner`` sets the embedded workers' timed flush out of play
    (the cause of the 10,000-article blow-up with two worker threads)."""
    import json

    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.portability import python_urns
    from apache_beam.transforms.environments import EmbeddedPythonGrpcEnvironment

    from pipeline.runtime.local_runner import NO_TIMED_FLUSH_MS, _without_timed_flush, local_runner

    p = beam.Pipeline(options=PipelineOptions([]))
    _ = p | beam.Create([1, 2]) | beam.Map(str)
    proto = p.to_runner_api(default_environment=EmbeddedPythonGrpcEnvironment.default())
    assert _without_timed_flush(proto) >= 1
    configs = [json.loads(e.payload) for e in proto.components.environments.values()
               if e.urn == python_urns.EMBEDDED_PYTHON_GRPC]
    assert configs and all(c["data_buffer_time_limit_ms"] == NO_TIMED_FLUSH_MS for c in configs)
    runner = local_runner(PipelineOptions(["--direct_running_mode=multi_threading"]))
    assert "run_via_runner_api" in type(runner).__dict__  # the runner applies it


def test_two_worker_threads_deliver_every_element_whole():
    """Two worker threads, a stage whose elements take Python code to encode,
    and a ``Flatten`` that the runner materialises and deals out to both
    workers by chunks. With Beam's own FnApiRunner a timer thread flushed the
    output streams every second, here in the middle of element 0, and the
    halves went to different workers: "Error decoding input stream ... in
    step Flatten/Read" (at full size, garbage elements that grew memory
    without bound instead). Through ``local_runner`` every element arrives
    whole and exactly once."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.util import assert_that, equal_to

    from pipeline.runtime.local_runner import local_runner

    n = 200
    options = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_threading"])
    with beam.Pipeline(runner=local_runner(options), options=options) as p:
        made = p | beam.Create(list(range(n))) | beam.Reshuffle() | beam.Map(SlowToPickle)
        both = (made, p | "Nothing" >> beam.Create([])) | beam.Flatten()
        assert_that(both | beam.Map(lambda s: s.i), equal_to(list(range(n))))


def test_a_local_run_does_not_try_to_download_prism(tmp_path, model_dir, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="apache_beam.runners.direct.direct_runner")
    caplog.set_level(logging.INFO, logger="apache_beam.runners.portability.prism_runner")
    assert cli("--input", SEEDS, "--output", tmp_path / "o", "--published", PUBLISHED,
               model_dir=model_dir) == 0
    assert not [r for r in caplog.records if "prism" in r.getMessage().lower()]
    assert read_tables(tmp_path / "o")["events"]
