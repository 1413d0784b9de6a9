"""``make bench`` / ``python -m bench.run [--quick]``: the pipeline against its floor.

Builds (once) the deterministic corpus of ``bench.corpus`` and measures, on this
machine and on the same sentences:

* **bare**: the tagger's forward passes alone, in length-sorted batches of the
  pipeline's size, tokenization included (``bench.measure bare``);
* **pipeline**: the full CLI (``python -m pipeline``), read to Parquet, on the
  DirectRunner, in its default set-up for this machine (``pipeline.runtime.workers``:
  on 2+ cores two worker threads and the tagger in a process of its own), at
  three corpus sizes (the two larger give the memory growth);
* **naive**: ``Predictor.predict([sentence])`` one sentence at a time;
* **onnx / onnx-int8**: the pipeline with the fast encoder runtime, and the
  held-out F1 of each runtime from ``python -m pipeline.tagger.evaluate``;
* **workers**: the pipeline with ``--direct_num_workers=2
  --direct_running_mode=multi_processing --threads 1`` against one worker
  (``--direct_num_workers=1``, the tagger in the worker);
* a py-spy profile of the pipeline (smallest corpus).

Every measurement is its own subprocess: wall time, peak RSS of its largest
process (``wait4`` rusage, i.e. ``RUSAGE_CHILDREN``) and the peak of the summed
RSS of its process tree (sampled from /proc every 0.2 s: what the machine must
hold, workers included). Results go to ``bench/results.json`` and to the
generated section of ``BENCHMARKS.md``; the last line printed is::

    bench pipeline_vs_bare=X.XX pipeline_vs_naive=X.X int8_speedup=X.XX int8_f1_drop=X.X rss_growth=X.XX workers2_speedup=X.XX startup_s=X.X int8_pipeline_speedup=X.XX default_vs_torch_all_frames_N=X.XX

``startup_s``: the CLI's default set-up on one article. ``int8_pipeline_speedup``:
the int8 pipeline ÷ the torch pipeline at 200 articles. ``default_vs_torch_all_frames_N``:
the default set-up (onnx-int8, the frame gate) ÷ ``--runtime torch --all-frames``
at N = 2,000 articles when the sizes hold it (the full bench), else 200.

``--quick`` uses smaller corpora and a smaller naive sample (under 10 minutes
on 2 cores once the evaluation scores are cached in ``.bench-cache/eval``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional

from bench import corpus as C

ROOT = C.ROOT
PY = sys.executable
DEFAULT_SIZES = (200, 2000, 10000)
QUICK_SIZES = (20, 80, 200)  # the SMALL pipeline run is skipped in quick mode
STARTUP_SIZE = 1  # a one-article corpus: the pipeline's fixed cost
NIGHTLY_SIZE = 5  # a nightly batch of a few articles: start-up dominates
INT8_AT = 200  # int8_pipeline_speedup: the two runtimes' pipelines, typing on, at this size
# default_vs_torch_all_frames_N: the default set-up against --runtime torch
# --all-frames at N articles, measured in the same run (N = SCALE_AT when the
# sizes hold it, as the full bench's do; else INT8_AT)
SCALE_AT = 2000
DEFAULT_NAIVE = 2000
QUICK_NAIVE = 300
FAST = "onnx-int8"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


def _children() -> Dict[int, List[int]]:
    kids: Dict[int, List[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                data = f.read()
            ppid = int(data.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(stat.split("/")[2]))
        except (OSError, ValueError, IndexError):
            continue
    return kids


def proc_status_kb(pid: int, *keys: str) -> Dict[str, int]:
    """The ``keys`` (``VmRSS``, ``VmHWM``, ...) of /proc/PID/status in kB; empty
    if the process is gone."""
    out: Dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in keys:
                    out[key] = int(line.split()[1])
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    return proc_status_kb(pid, "VmRSS").get("VmRSS", 0)


def tree_rss_kb(pid: int) -> int:
    kids, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo += kids.get(p, [])
    return total


def run_measured(cmd: List[str], env: Optional[Dict[str, str]] = None, timeout: float = 7200,
                 cwd: str = ROOT) -> Dict:
    """Run ``cmd``; wall seconds, stdout, peak RSS (largest process, MB) and
    peak summed RSS of the process tree (MB)."""
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    full_env.update(env or {})
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    import threading

    out: Dict[str, str] = {}

    def _drain(name, stream):
        out[name] = stream.read()

    threads = [threading.Thread(target=_drain, args=(n, s), daemon=True)
               for n, s in (("stdout", p.stdout), ("stderr", p.stderr))]
    for t in threads:
        t.start()
    tree_peak = 0
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        tree_peak = max(tree_peak, tree_rss_kb(p.pid))
        if time.perf_counter() - t0 > timeout:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    return {"rc": p.returncode, "seconds": seconds, "stdout": out.get("stdout", ""),
            "stderr": out.get("stderr", ""), "peak_rss_mb": ru.ru_maxrss / 1024,
            "tree_peak_rss_mb": max(tree_peak, ru.ru_maxrss) / 1024}


def _check(res: Dict, what: str) -> Dict:
    if res["rc"] != 0:
        tail = "\n".join((res["stderr"] or res["stdout"]).strip().splitlines()[-15:])
        raise SystemExit(f"bench: {what} failed (exit {res['rc']}):\n{tail}")
    return res


# ---------------------------------------------------------------- measurements


def cli_flags() -> str:
    r = subprocess.run([PY, "-m", "pipeline", "--help"], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"))
    return r.stdout


def setup_label(beam_args: List[str] = (), threads: Optional[int] = None,
                cores: Optional[int] = None, articles: Optional[int] = None) -> str:
    """The set-up a CLI run with these flags gets on this machine
    (``pipeline.runtime.workers.local_setup``), e.g. "2 threads x 1, tagger process"."""
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

    from pipeline.config import RunConfig
    from pipeline.runtime.workers import local_setup

    cfg, args = local_setup(RunConfig(inputs=[], output="", threads=threads), beam_args, cores,
                            articles=articles)
    direct = PipelineOptions(args).view_as(DirectOptions)
    n = direct.direct_num_workers or cores or os.cpu_count()
    kind = {"multi_threading": "threads", "multi_processing": "processes"}.get(
        direct.direct_running_mode, "worker" if n == 1 else "workers")
    label = f"{n} {kind} x {cfg.threads or 'default'}"
    return label + (", tagger process" if cfg.model_process else "")


def measure_pipeline(name: str, folder: str, model: str, runtime: Optional[str] = "torch",
                     threads: Optional[int] = None, beam_args: List[str] = (),
                     cli_help: str = "", event_typing: bool = True,
                     all_frames: bool = False) -> Dict:
    """One CLI run. ``runtime`` None: no ``--runtime`` flag, the CLI's default
    (recorded as ``default (<runtime>)``); ``all_frames``: ``--all-frames``
    (every frame decoded; by default the frame gate drops the predicates that
    can be no event)."""
    out = os.path.join(C.CACHE, "out-" + re.sub(r"[^A-Za-z0-9]+", "-", name))
    shutil.rmtree(out, ignore_errors=True)
    cmd = [PY, "-m", "pipeline", "--input", os.path.join(folder, "*.jsonl"), "--output", out,
           "--model", model]
    if not event_typing:
        cmd.append("--no-event-types")
    env = {}
    if all_frames:
        cmd.append("--all-frames")
    if runtime:
        cmd += ["--runtime", runtime]
    else:
        from pipeline.config import DEFAULT_RUNTIME

        runtime = f"default ({DEFAULT_RUNTIME})"
    if threads:
        cmd += ["--threads", str(threads)]
    cmd += list(beam_args)
    log(f"{name}: {' '.join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd[1:])}")
    res = _check(run_measured(cmd, env), name)
    st = C.stats(folder)
    m = re.search(r"articles read: (\d+) \(ok (\d+)", res["stdout"])
    ev = re.search(r"events written: (\d+)", res["stdout"])
    ok = int(m.group(2)) if m else None
    if ok is not None and ok != st["articles"]:
        log(f"warning: {name}: {ok} of {st['articles']} articles ok")
    shutil.rmtree(out, ignore_errors=True)
    return {"name": name, "kind": "pipeline", "runtime": runtime, "size": st["size"],
            "event_typing": event_typing, "all_frames": all_frames,
            "setup": setup_label(list(beam_args), threads, articles=st["articles"]),
            "threads": threads, "seconds": res["seconds"], "articles": st["articles"],
            "sentences": st["sentences"], "tokens": st["tokens"], "words": st["words"],
            "articles_ok": ok, "events": int(ev.group(1)) if ev else None,
            "peak_rss_mb": res["peak_rss_mb"], "tree_peak_rss_mb": res["tree_peak_rss_mb"]}


def measure_inproc(name: str, mode: str, folder: str, model: str, runtime: str = "torch",
                   sample: int = 0, threads: Optional[int] = None) -> Dict:
    cmd = [PY, "-m", "bench.measure", mode, "--corpus", folder, "--model", model,
           "--runtime", runtime]
    if sample:
        cmd += ["--sample", str(sample)]
    if threads:
        cmd += ["--threads", str(threads)]
    log(f"{name}: bench.measure {mode} runtime={runtime} sample={sample or 'all'}")
    res = _check(run_measured(cmd), name)
    r = json.loads(res["stdout"].strip().splitlines()[-1])
    st = C.stats(folder)
    per_article = st["sentences"] / st["articles"]
    return {"name": name, "kind": mode, "runtime": runtime, "size": st["size"],
            "setup": f"1 process x {r['threads']}", "threads": r["threads"], "seconds": r["seconds"],
            "articles": r["sentences"] / per_article, "sentences": r["sentences"],
            "tokens": r["tokens"], "words": r["words"], "frames": r["frames"],
            "batches": r["batches"], "load_s": r["load_s"],
            "peak_rss_mb": res["peak_rss_mb"], "tree_peak_rss_mb": res["tree_peak_rss_mb"]}


def _model_key(model: str) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "tagger_config.json"):
        with open(os.path.join(model, name), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    try:
        import onnxruntime

        from pipeline.tagger import onnx_export as O

        h.update(json.dumps([onnxruntime.__version__, O.RECIPE_VERSION, O.ENCODER_INT8_OPS,
                             O.HEADS_INT8_OPS]).encode())
    except ImportError:
        pass
    return h.hexdigest()[:16]


def evaluate(model: str, runtime: str, data_dir: str, limit: int = 0) -> Dict:
    """Held-out scores of ``model`` on ``runtime``; cached per model and runtime."""
    folder = os.path.join(C.CACHE, "eval")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{_model_key(model)}-{runtime}{f'-limit{limit}' if limit else ''}.json")
    if os.path.isfile(path):
        with open(path) as f:
            r = json.load(f)
        r["cached"] = True
        return r
    cmd = [PY, "-m", "pipeline.tagger.evaluate", "--model", model, "--data-dir", data_dir,
           "--runtime", runtime, "--json", path + ".tmp"]
    if limit:
        cmd += ["--limit", str(limit)]
    log(f"eval {runtime}: pipeline.tagger.evaluate --runtime {runtime}")
    res = _check(run_measured(cmd, {}), f"eval {runtime}")
    with open(path + ".tmp") as f:
        r = json.load(f)
    r.update(runtime=runtime, seconds=res["seconds"], limit=limit)
    with open(path, "w") as f:
        json.dump(r, f, indent=1)
    os.remove(path + ".tmp")
    r["cached"] = False
    return r


PROFILE_STAGES = [
    ("model load", "Predictor.from_folder ("),
    ("imports", "_find_and_load ("),
    ("tokenize", "encode_words (pipeline/tagger/tokens.py"),
    ("encoder (torch)", "EventTagger.encode ("),
    ("encoder (torch)", "EventTagger.encode_with_layer ("),
    ("encoder (onnx)", "OnnxEncoder.encode ("),
    ("encoder (onnx)", "OnnxEncoder.encode_with_layer ("),
    ("event typing: in-context word vectors", "word_means ("),
    ("role heads (BiLSTM)", "EventTagger.frame_heads ("),
    ("word heads", "EventTagger.word_heads ("),
    ("Viterbi decoding", "Predictor._decode"),
    ("predictor, rest", "Predictor._predict_batch ("),
    ("event typing: model load + type prototypes", "EventTyper.__init__ ("),
    ("event typing: model load + type prototypes", "EventTyper._build_prototypes ("),
    ("event typing: similarities, new lemmas", "EventTyper."),
    ("actors (gazetteer)", "(pipeline/nlp/gazetteer/"),
    ("actors (gazetteer)", "(pipeline/nlp/actors/"),
    ("read", "(pipeline/stages/read.py"),
    ("segment", "(pipeline/stages/segment.py"),
    ("decode events", "(pipeline/stages/decode.py"),
    ("resolve, rest (dates ...)", "(pipeline/stages/resolve.py"),
    ("write", "(pipeline/stages/write.py"),
    ("write", "parquetio.py"),
    ("Beam (runner, coders, batching)", "(apache_beam/"),
]


def profile(folder: str, model: str, runtime: str = "torch") -> Optional[Dict]:
    from bench import profile as P

    spy = os.path.join(os.path.dirname(PY), "py-spy")
    if not os.path.exists(spy):
        spy = shutil.which("py-spy") or ""
    if not spy:
        log("py-spy not found: no profile")
        return None
    raw = os.path.join(C.CACHE, f"profile-{runtime}.txt")
    out = os.path.join(C.CACHE, "out-profile")
    shutil.rmtree(out, ignore_errors=True)
    # --subprocesses: the default set-up runs the tagger in a child process
    cmd = [spy, "record", "--format", "raw", "--rate", "50", "--nonblocking", "--subprocesses",
           "-o", raw, "--",
           PY, "-m", "pipeline", "--input", os.path.join(folder, "*.jsonl"), "--output", out,
           "--model", model, "--runtime", runtime]
    log(f"profile: py-spy record ... pipeline ({runtime}, {C.stats(folder)['size']} articles)")
    res = run_measured(cmd, {})
    shutil.rmtree(out, ignore_errors=True)
    if res["rc"] != 0 or not os.path.isfile(raw):
        log(f"profile failed: {(res['stderr'] or '').strip()[-300:]}")
        return None
    s = P.summarize(raw, top=40)
    return {"runtime": runtime, "size": C.stats(folder)["size"], "samples": s["samples"],
            "seconds": res["seconds"], "stages": P.bucket(raw, PROFILE_STAGES),
            "self": s["self"][:15],
            "inclusive": [x for x in s["inclusive"] if x[1] < 0.7 and not any(
                k in x[0] for k in ("runpy", "threading.py", "modules/module.py", "_contextlib.py",
                                    "import_utils.py", "<frozen"))][:15],
            "raw": os.path.relpath(raw, ROOT)}


# ---------------------------------------------------------------- report


def rate(r: Dict, key: str) -> float:
    return r[key] / r["seconds"] if r["seconds"] else 0.0


def table(runs: List[Dict]) -> str:
    rows = ["| run | runtime | corpus (articles) | set-up: workers x torch threads | sentences | seconds "
            "| articles/s | sentences/s | tokens/s | peak RSS MB (largest process) "
            "| peak RSS MB (process tree) |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        wt = r.get("setup") or f"{r['workers']} x {r.get('threads') or 'default'}"  # older results
        rows.append(f"| {r['name']} | {r['runtime']} | {r['size']} | {wt} | {r['sentences']} "
                    f"| {r['seconds']:.1f} | {rate(r, 'articles'):.2f} | {rate(r, 'sentences'):.1f} "
                    f"| {rate(r, 'tokens'):.0f} | {r['peak_rss_mb']:.0f} | {r['tree_peak_rss_mb']:.0f} |")
    return "\n".join(rows)


BAR = {"pipeline_vs_bare": (">=", 0.85), "pipeline_vs_naive": (">=", 3.0),
       "int8_speedup": (">=", 1.8), "int8_f1_drop": ("<=", 1.0), "rss_growth": ("<=", 0.10),
       "workers2_speedup": (">", 1.0), "startup_s": ("<=", 8.0),
       "int8_pipeline_speedup": (">=", 1.3), f"default_vs_torch_all_frames_{SCALE_AT}": (">=", 1.5)}


def _meets(k: str, v: Optional[float]) -> str:
    if v is None:
        return "not measured"
    op, bar = BAR[k]
    ok = {">=": v >= bar, "<=": v <= bar, ">": v > bar}[op]
    return "yes" if ok else "**no**"


def last_line(s: Dict) -> str:
    def f(k, nd):
        v = s.get(k)
        return "nan" if v is None else f"{v:.{nd}f}"

    return (f"bench pipeline_vs_bare={f('pipeline_vs_bare', 2)} "
            f"pipeline_vs_naive={f('pipeline_vs_naive', 1)} int8_speedup={f('int8_speedup', 2)} "
            f"int8_f1_drop={f('int8_f1_drop', 1)} rss_growth={f('rss_growth', 2)} "
            f"workers2_speedup={f('workers2_speedup', 2)} startup_s={f('startup_s', 1)} "
            f"int8_pipeline_speedup={f('int8_pipeline_speedup', 2)} "
            + " ".join(f"{k}={f(k, 2)}" for k in sorted(s)
                       if k.startswith("default_vs_torch_all_frames_") and s[k] is not None))


def markdown(res: Dict) -> str:
    s, m = res["summary"], res["machine"]
    lines = [BEGIN, "",
             f"Generated by `{res['command']}` on {res['date']} "
             f"({m['cpus']} CPUs: {m['cpu']}; Python {m['python']}, torch {m['torch']}, "
             f"onnxruntime {m.get('onnxruntime')}, Beam {m['beam']}). Model: `{res['model']}` "
             f"({res['model_name']}). Corpus: `.bench-cache/corpus-v{C.VERSION}-N` "
             f"({', '.join(str(k) for k in res['sizes'])} articles; "
             f"{res['corpora'][str(res['sizes'][1])]['sentences'] / res['sizes'][1]:.1f} "
             f"sentences and {res['corpora'][str(res['sizes'][1])]['tokens'] / res['corpora'][str(res['sizes'][1])]['sentences']:.1f} "
             "sub-word tokens per sentence on average).", "",
             "```", res["last_line"], "```", "",
             "| metric | value | bar | met |", "|---|---:|---|---|"]
    quick = "--quick" in res["command"]
    for k, (op, bar) in BAR.items():
        v = s.get(k)
        met = _meets(k, v)
        if quick and k == "rss_growth":
            met += f" (at {res['sizes'][2]} vs {res['sizes'][1]} articles: too small to tell)"
        lines.append(f"| `{k}` | {'n/a' if v is None else f'{v:.3f}'} | {op} {bar} | {met} |")
    extra = {
        "pipeline_vs_bare_steady": "pipeline ÷ bare without the pipeline's fixed start-up cost",
        "onnx_fp32_speedup": "pipeline on ONNX Runtime fp32 ÷ pipeline on torch",
        "int8_vs_bare_int8": f"pipeline {FAST} ÷ bare {FAST}",
        "notyping_vs_bare": "pipeline with the event typer off ÷ bare (the tagger's part of the pipeline)",
        "notyping_int8_speedup": f"the same two with the event typer off: {FAST} ÷ torch",
        "notyping_vs_naive": "pipeline with the event typer off ÷ naive",
        "rss_growth_runtime": "runtime of the runs that give rss_growth",
        "rss_growth_tree": "the same growth for the whole process tree (worker and tagger process)",
        "default_vs_one_worker": "the default set-up ÷ one worker with the tagger in it (`--direct_num_workers=1`)",
        "one_worker_vs_bare": "one worker ÷ bare (the default of earlier versions)",
        f"default_vs_torch_all_frames_{INT8_AT}": (f"the default set-up ÷ `--runtime torch --all-frames`"
                                                   f" at {INT8_AT} articles (the quick bench's size)"),
        "gate_speedup": f"the frame gate's share: {FAST} ÷ {FAST} with `--all-frames`, at {INT8_AT} articles",
    }
    lines.append("")
    for k, what in extra.items():
        v = s.get(k)
        if v is not None:
            lines.append(f"* `{k}` = {v if isinstance(v, str) else f'{v:.3f}'}: {what}")
    lines += ["", "### Throughput and memory", "", table(res["runs"]), ""]
    ev = res.get("eval") or {}
    if ev:
        lines += ["### Held-out accuracy per runtime (`python -m pipeline.tagger.evaluate --runtime R`)", "",
                  "| runtime | pred_f1 | arg_f1 | head_f1 | news_arg_f1 | Δ arg_f1 (points) |",
                  "|---|---:|---:|---:|---:|---:|"]
        base = ev.get("torch", {}).get("arg_f1")
        for rt, e in ev.items():
            d = "" if base is None else f"{(e['arg_f1'] - base) * 100:+.2f}"
            lines.append(f"| {rt} | {e['pred_f1']:.3f} | {e['arg_f1']:.3f} | {e['head_f1']:.3f} "
                         f"| {e['news_arg_f1']:.3f} | {d} |")
        lines.append("")
    pr = res.get("profile")
    if pr:
        from bench.profile import short

        lines += [f"### Profile: the pipeline, {pr['size']} articles, {pr['runtime']} "
                  f"(py-spy, {pr['samples']} samples, `{pr['raw']}`)", "",
                  "| stage | share of samples |", "|---|---:|"]
        lines += [f"| {k} | {v:.1%} |" for k, v in pr["stages"]]
        lines += ["", "| self | function | | inclusive | function |", "|---:|---|---|---:|---|"]
        for i in range(max(len(pr["self"]), len(pr["inclusive"]))):
            a = pr["self"][i] if i < len(pr["self"]) else ("", 0)
            b = pr["inclusive"][i] if i < len(pr["inclusive"]) else ("", 0)
            lines.append(f"| {a[1]:.1%} | `{short(a[0])}` | | {b[1]:.1%} | `{short(b[0])}` |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_markdown(path: str, section: str) -> None:
    head = ("# Benchmarks\n\n`make bench` (or `make bench BENCH_ARGS=--quick`) regenerates the "
            "section between the markers below; the rest of this file is written by hand.\n\n")
    text = open(path, encoding="utf-8").read() if os.path.isfile(path) else head + BEGIN + "\n" + END + "\n"
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def machine() -> Dict:
    import torch

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    info = {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "torch": torch.__version__.split("+")[0]}
    try:
        import onnxruntime

        info["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        info["onnxruntime"] = None
    import apache_beam

    info["beam"] = apache_beam.__version__
    return info


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    from pipeline.tagger import CHECKPOINT_DIR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller corpora, under 10 minutes")
    ap.add_argument("--model", default=None, help="model folder (default: the committed checkpoint)")
    ap.add_argument("--sizes", type=int, nargs=3, metavar=("SMALL", "MID", "LARGE"),
                    help=f"corpus sizes in articles (default {DEFAULT_SIZES}, quick {QUICK_SIZES}); "
                         "ratios are taken at MID, memory growth LARGE vs MID")
    ap.add_argument("--naive-sample", type=int, default=None,
                    help=f"sentences for the naive run (default {DEFAULT_NAIVE}, quick {QUICK_NAIVE})")
    ap.add_argument("--sweep-runtime", default=None,
                    help="runtime of the SMALL and LARGE pipeline runs (memory growth is LARGE vs "
                         f"MID on it; default torch, quick {FAST}: same memory model, a third of the time)")
    ap.add_argument("--data-dir", default=C.DATA)
    ap.add_argument("--skip", default="", help="comma-separated: bare,naive,onnx,int8,eval,workers,"
                                               "notyping,small,large,profile")
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "results.json"))
    ap.add_argument("--markdown", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--report-only", action="store_true",
                    help="re-render BENCHMARKS.md from the JSON results (no measuring)")
    args = ap.parse_args(argv)
    if args.report_only:
        with open(args.json) as f:
            res = json.load(f)
        pr = res.get("profile")
        if pr and os.path.isfile(os.path.join(ROOT, pr["raw"])):
            from bench import profile as P

            pr["stages"] = P.bucket(os.path.join(ROOT, pr["raw"]), PROFILE_STAGES)
        write_markdown(args.markdown, markdown(res))
        print(res["last_line"])
        return 0
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES))
    small, mid, large = sizes
    naive_n = args.naive_sample or (QUICK_NAIVE if args.quick else DEFAULT_NAIVE)
    sweep = args.sweep_runtime or (FAST if args.quick else "torch")
    if "int8" in skip and sweep == FAST:
        sweep = "torch"
    model = args.model or CHECKPOINT_DIR
    if not os.path.isfile(os.path.join(model, "tagger_config.json")):
        raise SystemExit(f"bench: no model in {model} (train one, or pass --model DIR)")
    with open(os.path.join(model, "tagger_config.json")) as f:
        mc = json.load(f)
    t_start = time.perf_counter()

    log(f"corpora {sizes} in {os.path.relpath(C.CACHE, ROOT)}")
    tok, pool, folders = None, None, {}
    for n in sorted(set(sizes) | {STARTUP_SIZE, NIGHTLY_SIZE, INT8_AT}):
        if not os.path.isfile(os.path.join(C.corpus_dir(n), C.DONE)):
            tok = tok or C.load_tokenizer()
            pool = pool or C.sentence_pool(args.data_dir)
        folders[n] = C.build(n, tokenizer=tok, pool=pool, data_dir=args.data_dir)
    help_text = cli_flags()

    runs: List[Dict] = []
    by: Dict[str, Dict] = {}

    def add(r: Dict) -> Dict:
        runs.append(r)
        by[r["name"]] = r
        log(f"  {r['name']}: {rate(r, 'sentences'):.1f} sentences/s, {r['seconds']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB (tree {r['tree_peak_rss_mb']:.0f} MB)")
        return r

    # Warm the ONNX cache first so that no timed run pays for an export.
    if args.quick:  # the fp32 ONNX run and the SMALL size only fill in the table
        skip |= {"onnx", "small"}
    if not {"onnx", "int8"} <= skip:
        log("warming the ONNX cache")
        _check(run_measured([PY, "-c", "import sys; from pipeline.tagger.predictor import Predictor; "
                                   "[Predictor.from_folder(sys.argv[1], runtime=r) for r in sys.argv[2:]]",
                             model] + [r for r, k in (("onnx", "onnx"), (FAST, "int8")) if k not in skip]),
               "ONNX export")

    if "bare" not in skip:
        add(measure_inproc("bare", "bare", folders[mid], model))
        if "int8" not in skip:
            add(measure_inproc(f"bare {FAST}", "bare", folders[mid], model, runtime=FAST))
    if "naive" not in skip:
        add(measure_inproc("naive", "naive", folders[mid], model, sample=naive_n))
    add(measure_pipeline("pipeline", folders[mid], model, cli_help=help_text))
    if "onnx" not in skip:
        add(measure_pipeline("pipeline onnx", folders[mid], model, runtime="onnx", cli_help=help_text))
    if "int8" not in skip:
        add(measure_pipeline(f"pipeline {FAST}", folders[mid], model, runtime=FAST, cli_help=help_text))
    if "notyping" not in skip:
        add(measure_pipeline("pipeline, no event typing", folders[mid], model, cli_help=help_text,
                             event_typing=False))
        if "int8" not in skip:
            add(measure_pipeline(f"pipeline {FAST}, no event typing", folders[mid], model,
                                 runtime=FAST, cli_help=help_text, event_typing=False))
    if "workers" not in skip:
        # the default is two worker threads (pipeline.runtime.workers) on 2+ cores: the
        # workers bar compares two worker processes with one worker
        add(measure_pipeline("pipeline 1 worker", folders[mid], model, cli_help=help_text,
                             beam_args=["--direct_num_workers=1"]))
        add(measure_pipeline("pipeline 2 workers", folders[mid], model, threads=1, cli_help=help_text,
                             beam_args=["--direct_num_workers=2", "--direct_running_mode=multi_processing"]))
    # start-up: the CLI's default set-up on one article (the ONNX files already built)
    add(measure_pipeline("pipeline startup", folders[STARTUP_SIZE], model, runtime=None,
                         cli_help=help_text))
    add(measure_pipeline(f"pipeline {NIGHTLY_SIZE}", folders[NIGHTLY_SIZE], model, cli_help=help_text))
    if "int8" not in skip:
        add(measure_pipeline(f"pipeline {NIGHTLY_SIZE} {FAST}", folders[NIGHTLY_SIZE], model,
                             runtime=FAST, cli_help=help_text))
        # the two runtimes at INT8_AT articles, typing on (whichever the sweep below lacks)
        for name, rt in ((f"pipeline {INT8_AT}", "torch"), (f"pipeline {INT8_AT} {FAST}", FAST)):
            if name not in by:
                add(measure_pipeline(name, folders[INT8_AT], model, runtime=rt, cli_help=help_text))
    # the default set-up (int8, frame gate) against torch with every frame, and
    # the gate's own share: int8 with every frame
    scale = SCALE_AT if SCALE_AT in sizes else INT8_AT
    default_name = (f"pipeline {FAST}" if scale == mid else f"pipeline {scale} {FAST}")
    if "int8" not in skip:
        if default_name not in by:
            add(measure_pipeline(default_name, folders[scale], model, runtime=FAST,
                                 cli_help=help_text))
        add(measure_pipeline(f"pipeline {scale} torch, all frames", folders[scale], model,
                             runtime="torch", all_frames=True, cli_help=help_text))
        add(measure_pipeline(f"pipeline {INT8_AT} {FAST}, all frames", folders[INT8_AT], model,
                             runtime=FAST, all_frames=True, cli_help=help_text))
    mid_sweep = "pipeline" if sweep == "torch" else f"pipeline {sweep}"
    if mid_sweep not in by:
        add(measure_pipeline(mid_sweep, folders[mid], model, runtime=sweep, cli_help=help_text))
    sfx = "" if sweep == "torch" else f" {sweep}"
    if "small" not in skip and f"pipeline {small}{sfx}" not in by:
        add(measure_pipeline(f"pipeline {small}{sfx}", folders[small], model, runtime=sweep,
                             cli_help=help_text))
    if "large" not in skip and f"pipeline {large}{sfx}" not in by:
        add(measure_pipeline(f"pipeline {large}{sfx}", folders[large], model, runtime=sweep,
                             cli_help=help_text))

    ev = {}
    if "eval" not in skip:
        # ONNX fp32 matches torch to ~1e-6 (tests/test_onnx_runtime.py); its score
        # is only computed on the full run.
        rts = ["torch"] + [r for r, k in (("onnx", "onnx"), (FAST, "int8"))
                           if k not in skip and not (args.quick and r == "onnx")]
        for rt in rts:
            ev[rt] = evaluate(model, rt, args.data_dir)
    prof = None if "profile" in skip else profile(folders[small], model)

    pipe = by["pipeline"]
    sps = lambda name: rate(by[name], "sentences") if name in by else None  # noqa: E731
    ratio = lambda a, b: (sps(a) / sps(b)) if sps(a) and sps(b) else None  # noqa: E731
    summary = {
        "pipeline_vs_bare": ratio("pipeline", "bare"),
        "pipeline_vs_naive": ratio("pipeline", "naive"),
        "int8_speedup": ratio(f"pipeline {FAST}", "pipeline"),
        "int8_f1_drop": ((ev["torch"]["arg_f1"] - ev[FAST]["arg_f1"]) * 100
                         if "torch" in ev and FAST in ev else None),
        "rss_growth": (by[f"pipeline {large}{sfx}"]["peak_rss_mb"] / by[mid_sweep]["peak_rss_mb"] - 1
                       if f"pipeline {large}{sfx}" in by else None),
        "rss_growth_tree": (by[f"pipeline {large}{sfx}"]["tree_peak_rss_mb"]
                            / by[mid_sweep]["tree_peak_rss_mb"] - 1
                            if f"pipeline {large}{sfx}" in by else None),
        "rss_growth_runtime": sweep,
        "workers2_speedup": ratio("pipeline 2 workers", "pipeline 1 worker"),
        "default_vs_one_worker": ratio("pipeline", "pipeline 1 worker"),
        "one_worker_vs_bare": ratio("pipeline 1 worker", "bare"),
        "onnx_fp32_speedup": ratio("pipeline onnx", "pipeline"),
        "int8_vs_bare_int8": ratio(f"pipeline {FAST}", f"bare {FAST}"),
        "notyping_vs_bare": ratio("pipeline, no event typing", "bare"),
        "notyping_int8_speedup": ratio(f"pipeline {FAST}, no event typing", "pipeline, no event typing"),
        "notyping_vs_naive": ratio("pipeline, no event typing", "naive"),
        "int8_pipeline_speedup": ratio(f"pipeline {INT8_AT} {FAST}", f"pipeline {INT8_AT}"),
        f"default_vs_torch_all_frames_{scale}": ratio(default_name,
                                                      f"pipeline {scale} torch, all frames"),
        "gate_speedup": ratio(f"pipeline {INT8_AT} {FAST}", f"pipeline {INT8_AT} {FAST}, all frames"),
    }
    # The same ratio without the pipeline's fixed cost (interpreter, imports,
    # model load, graph construction), estimated by the one-article run.
    fixed = by["pipeline startup"]["seconds"]
    if "bare" in by and pipe["seconds"] > fixed:
        summary["pipeline_vs_bare_steady"] = (pipe["sentences"] / (pipe["seconds"] - fixed)) / sps("bare")
    summary["startup_s"] = fixed
    res = {
        "command": "make bench" + (" BENCH_ARGS=--quick" if args.quick else ""),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "model": os.path.relpath(model, ROOT) if model.startswith(ROOT) else model,
        "model_name": f"{mc.get('name')}@{mc.get('version')}", "sizes": list(sizes),
        "naive_sample": naive_n, "corpora": {str(n): C.stats(f) for n, f in folders.items()},
        "runs": runs, "eval": ev, "profile": prof, "summary": summary,
        "wall_s": time.perf_counter() - t_start,
    }
    res["last_line"] = last_line(summary)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1)
    write_markdown(args.markdown, markdown(res))
    log(f"done in {res['wall_s'] / 60:.1f} min: {os.path.relpath(args.json, ROOT)}, "
        f"{os.path.relpath(args.markdown, ROOT)}")
    print(table(runs))
    print(res["last_line"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
