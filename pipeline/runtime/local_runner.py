"""The engine of a local run: Beam's FnApiRunner with one fix (``local_runner``).

Isolated here because it reaches into a Beam internal
(``apache_beam.runners.portability.fn_api_runner.fn_runner``, checked against
Beam 2.77, the version ``pyproject.toml`` pins): the rest of the package
uses Beam's public API only. ``local_runner`` returns None for any other
runner, which then runs the graph unchanged.
"""
from __future__ import annotations

import functools
import json

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.runtime.workers import is_local

#: The embedded SDK workers' time-based flush of their output streams, for
#: local multi-threaded runs: in effect never (size-based flushes remain).
#: See ``LocalFnApiRunner``.
NO_TIMED_FLUSH_MS = 10 ** 9


def _without_timed_flush(pipeline_proto) -> int:
    """Set the embedded gRPC environments of ``pipeline_proto`` to flush their
    output streams by size only; return how many there were."""
    from apache_beam.portability import python_urns

    changed = 0
    for env in pipeline_proto.components.environments.values():
        if env.urn == python_urns.EMBEDDED_PYTHON_GRPC:
            config = json.loads(env.payload or b"{}")
            config["data_buffer_time_limit_ms"] = NO_TIMED_FLUSH_MS
            env.payload = json.dumps(config).encode("utf-8")
            changed += 1
    return changed


@functools.lru_cache(maxsize=None)
def _fn_api_runner_class():
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    class LocalFnApiRunner(fn_runner.FnApiRunner):
        """Beam's FnApiRunner, with one fix for ``multi_threading`` runs.

        In that mode (Beam 2.77) each worker thread's output streams are also
        flushed by a timer thread every second. That flush can cut an element
        in two: an element whose encoding runs Python code (the pickle
        fallback for a ``date`` or a dataclass) can lose the GIL between its
        header and its value. The runner then deals the chunks of a
        materialised PCollection out to the workers one by one
        (``ListBuffer.partition``), and each half is decoded on its own: into
        garbage, which in a 10,000-article run grew the process from 1.5 to
        4.6 GB within 20 s at the stage after the model (BENCHMARKS.md).
        Flushing by size only (``maybe_flush``, called between whole
        elements) keeps every chunk whole; a batch pipeline loses nothing by
        it."""

        def run_via_runner_api(self, pipeline_proto, options):
            _without_timed_flush(pipeline_proto)
            return super().run_via_runner_api(pipeline_proto, options)

    return LocalFnApiRunner


def local_runner(options: PipelineOptions):
    """The runner for a local run (no ``--runner``, or the DirectRunner): Beam's
    FnApiRunner, set up as the DirectRunner sets it up, with the fix in
    ``LocalFnApiRunner``; None for any other runner.

    The DirectRunner first tries the Prism runner, a Go binary it downloads from
    GitHub on first use: here (no network) the download fails and it falls back
    to the FnApiRunner; on a machine that can reach GitHub the run would move to
    an engine we neither test nor measure, and behind a firewall that drops
    packets the download waits for its timeout. Naming the engine keeps every
    local run on the one the tests and BENCHMARKS.md use, without network."""
    if not is_local(options):
        return None
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    # what DirectRunner hands the FnApiRunner: the options, for its workers
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    return _fn_api_runner_class()(provision_info=fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))
