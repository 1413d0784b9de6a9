"""``--runtime`` reaches the workers inside the tagger's model handler (``RunConfig``
-> ``TaggerModelHandler``), never through the environment: under the
PortableRunner the workers build and use the int8 ONNX graphs."""
import glob
import os

from pipeline.cli import main
from pipeline.ops.tables import read_table
from pipeline.tagger import onnx_export

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "seeds", "*.txt")


def test_onnx_int8_under_the_portable_runner_is_what_the_workers_run(tmp_path, monkeypatch,
                                                                      model_dir):
    cache = tmp_path / "onnx-cache"  # empty: whatever ONNX graph appears, the workers made
    monkeypatch.setenv(onnx_export.CACHE_ENV, str(cache))
    monkeypatch.delenv("NEWSEVENTS_RUNTIME", raising=False)  # the old way: must not be needed
    out = tmp_path / "out"
    rc = main(["--input", SEEDS, "--published", "2024-06-20", "--output", str(out),
               "--model", model_dir, "--threads", "1", "--runtime", "onnx-int8",
               "--runner=PortableRunner", "--job_endpoint=embed",
               "--environment_type=LOOPBACK"])
    assert rc == 0
    graphs = [os.path.basename(p) for p in glob.glob(str(cache / "**" / "*.onnx"), recursive=True)]
    assert any("int8" in g for g in graphs), graphs
    events = read_table(str(out), "events").to_pylist()
    warned = [e for e in events if e["action"] == "warned"]
    assert warned and warned[0]["who_resolved"] == "Vladimir Putin"


def test_the_environment_chooses_no_runtime(monkeypatch):
    from pipeline.cli import build_parser
    from pipeline.config import config_from

    monkeypatch.setenv("NEWSEVENTS_RUNTIME", "torch")
    ns, _ = build_parser().parse_known_args(["--input", SEEDS, "--output", "x"])
    assert config_from(ns).runtime == "onnx-int8"  # the default, whatever the environment says
    ns, _ = build_parser().parse_known_args(["--input", SEEDS, "--output", "x",
                                             "--runtime", "onnx"])
    assert config_from(ns).runtime == "onnx"
