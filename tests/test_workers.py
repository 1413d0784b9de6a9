"""pipeline.runtime.workers: the set-up a run gets where the operator left it open."""
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.config import RunConfig
from pipeline.runtime.workers import local_setup, worker_threads

CFG = RunConfig(inputs=["in/*.txt"], output="out")
TWO_THREADS = ["--direct_num_workers=2", "--direct_running_mode=multi_threading"]


@pytest.mark.parametrize("args,cores,added,model_process,threads", [
    # the local default on 2+ cores: two worker threads, one torch thread each,
    # the tagger in a process of its own that serves both
    ([], 2, TWO_THREADS, True, 1),
    (["--runner=DirectRunner"], 2, TWO_THREADS, True, 1),
    ([], 4, TWO_THREADS, True, 2),
    # one core: one worker, everything in it
    ([], 1, [], False, None),
    # the operator's own workers win, in either spelling
    (["--direct_num_workers=1"], 2, [], False, None),
    (["--direct_num_workers", "1"], 2, [], False, None),
    (["--direct_running_mode=multi_processing", "--direct_num_workers=2"], 2, [], False, None),
    (TWO_THREADS, 2, [], True, 1),
    (["--direct_num_workers=0", "--direct_running_mode=multi_threading"], 4, [], True, 1),
    # other runners decide their own workers
    (["--runner=DataflowRunner"], 2, [], False, None),
    (["--runner=PortableRunner"], 8, [], False, None),
])
def test_local_setup_fills_in_what_was_left_open(args, cores, added, model_process, threads):
    cfg, beam_args = local_setup(CFG, args, cores=cores)
    assert beam_args == args + added
    assert (cfg.model_process, cfg.threads) == (model_process, threads)
    assert cfg.inputs == CFG.inputs and cfg.output == CFG.output


@pytest.mark.parametrize("articles, model_process", [
    (None, True),  # remote inputs: unknown, so a long run
    (1, False), (299, False), (300, True), (50_000, True),
])
def test_the_tagger_process_only_for_a_run_long_enough_to_pay_for_it(articles, model_process):
    import dataclasses

    cfg, args = local_setup(CFG, [], cores=2, articles=articles)
    assert args == TWO_THREADS and (cfg.model_process, cfg.threads) == (model_process, 1)
    # the operator's choice still wins
    cfg, _ = local_setup(dataclasses.replace(CFG, model_process=True), [], cores=2,
                         articles=articles)
    assert cfg.model_process is True


def test_the_operators_choices_win():
    import dataclasses

    cfg, args = local_setup(dataclasses.replace(CFG, model_process=False, threads=2), [], cores=2)
    assert args == TWO_THREADS and (cfg.model_process, cfg.threads) == (False, 2)
    cfg, _ = local_setup(dataclasses.replace(CFG, model_process=True), ["--direct_num_workers=1"],
                         cores=2)
    assert (cfg.model_process, cfg.threads) == (True, None)


@pytest.mark.parametrize("args,n", [
    ([], 1), (TWO_THREADS, 2), (["--direct_num_workers=3", "--direct_running_mode=multi_threading"], 3),
    (["--direct_num_workers=2", "--direct_running_mode=multi_processing"], 1),
    (["--direct_num_workers=2"], 1),  # in_memory: one worker
    (["--runner=DataflowRunner", "--direct_running_mode=multi_threading"], 1)])
def test_worker_threads_that_share_a_process(args, n):
    assert worker_threads(PipelineOptions(args), cores=2) == n
