"""The house rules of docs/ARCHITECTURE.md, checked on the source (imports anywhere
in a module, function-level ones included)."""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIPELINE = os.path.join(ROOT, "pipeline")
MAX_LINES = 450


def modules(folder):
    for base, _, files in os.walk(folder):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(base, f)
                yield os.path.relpath(path, ROOT), path


def imports(path):
    """Every module name ``path`` imports, relative imports made absolute."""
    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    package = rel.rsplit(".", 1)[0] if not rel.endswith("__init__") else rel[:-len(".__init__")]
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod
            # "from pipeline.stages import infer" imports pipeline.stages.infer
            yield from (f"{mod}.{a.name}" for a in node.names)


def beam_free(package):
    return [(rel, m) for rel, path in modules(os.path.join(PIPELINE, package))
            for m in imports(path) if m == "apache_beam" or m.startswith("apache_beam.")]


@pytest.mark.parametrize("package", ["nlp", "inputs", "tagger"])
def test_language_input_and_model_code_never_import_beam(package):
    assert beam_free(package) == []


def test_records_config_and_paths_never_import_beam():
    for name in ("records.py", "config.py", "paths.py"):
        path = os.path.join(PIPELINE, name)
        assert [m for m in imports(path) if m.startswith("apache_beam")] == [], name


def test_a_stage_never_imports_another_stage():
    bad = []
    for rel, path in modules(os.path.join(PIPELINE, "stages")):
        me = os.path.basename(path)[:-3]
        for m in imports(path):
            if m.startswith("pipeline.stages.") and m.split(".")[2] not in (me, "__init__"):
                bad.append((rel, m))
    assert bad == []


def test_nlp_inputs_runtime_and_ops_never_import_a_stage():
    bad = [(rel, m) for package in ("nlp", "inputs", "runtime", "ops", "tagger")
           for rel, path in modules(os.path.join(PIPELINE, package))
           for m in imports(path) if m.startswith("pipeline.stages")]
    assert bad == []


def test_schemas_import_nothing_of_ours():
    bad = [(rel, m) for rel, path in modules(os.path.join(ROOT, "schemas"))
           for m in imports(path) if m.startswith("pipeline") or m.startswith("bench")]
    assert bad == []


#: Development tools inside the package that may read bench's gold-set
#: builders: the event-head trainer fits on the labelled gold set. Never on a run's path.
DEV_TOOLS = {"pipeline/tagger/train_event_head.py", "pipeline/tagger/train_frame_gate.py",
             "pipeline/tagger/train_factuality_head.py", "pipeline/tagger/operating_point.py"}


def test_the_pipeline_never_imports_bench_or_tests():
    bad = [(rel, m) for rel, path in modules(PIPELINE) if rel not in DEV_TOOLS
           for m in imports(path) if m.split(".")[0] in ("bench", "tests")]
    assert bad == []


def test_nothing_on_the_run_path_imports_a_dev_tool():
    bad = [(rel, m) for rel, path in modules(PIPELINE) if rel not in DEV_TOOLS
           for m in imports(path) if m.replace(".", "/") + ".py" in DEV_TOOLS]
    assert bad == []


def test_no_module_over_450_lines():
    long = {}
    for rel, path in modules(PIPELINE):
        with open(path, encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            long[rel] = n
    assert long == {}


#: Environment reads that are not run options: where the ONNX cache lives (a
#: per-machine path) and Hugging Face's offline switch, set (not read) for the hub.
ALLOWED_ENV = {"NEWSEVENTS_ONNX_CACHE", "XDG_CACHE_HOME", "HF_HUB_OFFLINE",
               "HF_HUB_DISABLE_PROGRESS_BARS"}


def test_no_run_option_is_read_from_the_environment():
    bad = []
    for rel, path in modules(PIPELINE):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        consts = dict(re.findall(r'^(\w+) = "([A-Z_]+)"', src, re.M))
        for m in re.finditer(r"os\.(?:environ(?:\.get|\.setdefault)?|getenv)\s*[\[(]\s*([\w\"']+)", src):
            name = m.group(1).strip("\"'")
            name = consts.get(name, name)
            if name not in ALLOWED_ENV:
                bad.append((rel, name))
    assert bad == []
