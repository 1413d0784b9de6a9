"""pipeline.runtime.model_process: an object built and called in a child process of its own."""
import os

import pytest

from pipeline.runtime.model_process import start_model_process


class Probe:
    """Module level, so that the spawned child can import and build it."""

    def __init__(self, base):
        self.base = base

    def pid(self):
        return os.getpid()

    def add(self, x):
        return {"sum": self.base + x}

    def fail(self, why):
        raise ValueError(why)


def _parent_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def probe():
    from pipeline.runtime.model_process import stop_model_processes

    yield start_model_process(Probe, 7, "probe")
    stop_model_processes()


def test_calls_run_in_a_child_of_this_process(probe):
    child = probe.pid()
    assert child != os.getpid()
    assert _parent_of(child) == os.getpid()


def test_arguments_and_results_travel_pickled(probe):
    assert probe.add(3) == {"sum": 10}
    assert probe.add(-7) == {"sum": 0}


def test_an_exception_in_the_child_is_raised_in_the_caller(probe):
    # infer's per-article retry relies on it
    with pytest.raises(ValueError, match="bad article"):
        probe.fail("bad article")
    assert probe.add(1) == {"sum": 8}  # the child lives on


def test_each_start_is_a_process_of_its_own(probe):
    other = start_model_process(Probe, 1, "probe")
    assert other.pid() not in (probe.pid(), os.getpid())
    assert other.add(1) == {"sum": 2} and probe.add(1) == {"sum": 8}


def test_stop_ends_every_child_and_waits_for_it():
    from pipeline.runtime.model_process import stop_model_processes

    stop_model_processes()  # the module fixture's child too, if still running
    a, b = start_model_process(Probe, 0, "probe"), start_model_process(Probe, 0, "probe")
    pids = [a.pid(), b.pid()]
    assert stop_model_processes() == 2
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}")  # ended and reaped
    with pytest.raises(Exception):
        a.add(1)
    assert stop_model_processes() == 0
