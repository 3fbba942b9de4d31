"""The shipped dataset tasks (ssc, nmnist, dvs-gesture) on synthetic files in each real format, through the
command a user runs on their copy (`reckon-sim train --task NAME --data DIR`): the cache beside the data is named
by the preset hash and holds exactly the mapped samples (channels, ticks, labels, target window), a second run
reads it (the raw files are gone), and the run learns (class-separable synthetic events, seed fixed).
`sweep` and `curves` accept every dataset task (shd, ssc, nmnist, dvs-gesture)."""
from __future__ import annotations

import csv
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.experiments.data import run_inputs
from reckon_sim.io.reckon_files import read_dataset, read_weights
from reckon_sim.tasks.adapters import NmnistParams, SensorParams, SpikeHdf5Params
from reckon_sim.tasks.events import CACHE_DIR, preset_hash
from reckon_sim.tasks.generators import params_of
from reckon_sim.tasks.registry import load_spec
from tests.synthetic_datasets import expected_events, write_dvs_gesture, write_nmnist, write_spike_hdf5

PARAMS = {"spike-hdf5": SpikeHdf5Params, "nmnist": NmnistParams, "dvs-gesture": SensorParams}


def _mapped(events, label, n_ticks, target_tick):
    """A sample as (events, label, T, marker index): what the cache must hold for it."""
    return (tuple(map(tuple, events.tolist())), label, n_ticks, int(np.sum(events[:, 1] < target_tick)))


def _spike_hdf5_files(root: Path, name: str, rng, n_train: int, n_test: int, n_labels: int):
    """NAME_train.h5 / NAME_test.h5 with labels 0..n_labels-1 in turn -> (raw files, {split: expected samples}) for
    the shipped preset's mapping (classes = its subset in label order, channel = unit // 4, 1000 ticks)."""
    p = params_of(SpikeHdf5Params, load_spec(name).params, name)
    keep = {c: i for i, c in enumerate(p.classes)}
    expected = {}
    for split, n in (("train", n_train), ("test", n_test)):
        truth = write_spike_hdf5(root / f"{name}_{split}.h5", rng, np.arange(n) % n_labels)
        expected[split] = sorted(_mapped(expected_events(u.astype(np.int64) // p.channel_bin,
                                                         np.floor(t.astype(np.float64) * 1000.0).astype(np.int64),
                                                         p.n_ticks), keep[lab], p.n_ticks, p.target_tick)
                                 for t, u, lab in truth if lab in keep)
    return [root / f"{name}_train.h5", root / f"{name}_test.h5"], expected


def _ssc_files(root, rng):
    return _spike_hdf5_files(root, "ssc", rng, 70, 35, 35)          # 35 SSC classes, the preset keeps 0..15


def _nmnist_files(root, rng):
    """Train|Test/DIGIT/*.bin, 2 per digit -> expected samples (pool 4, polarity split, 320 ticks)."""
    truth = write_nmnist(root, rng, range(10), 2)
    expected = {"train": [], "test": []}
    for (split, digit, _), (x, y, p, t) in truth.items():
        ch = ((y // 4) * 9 + x // 4) * 2 + p
        expected["train" if split == "Train" else "test"].append(
            _mapped(expected_events(ch.astype(np.int64), (t // 1000).astype(np.int64), 320), digit, 320, 200))
    return [root / "Train", root / "Test"], {k: sorted(v) for k, v in expected.items()}


def _dvs_files(root, rng):
    """ibmGestureTrain|ibmGestureTest/userNN_fluorescent/CLASS.npy, 2 users x 11 classes -> expected samples
    (pool 16, polarity split, ticks from each sample's first event, 1500 ticks)."""
    truth = write_dvs_gesture(root, rng, range(11), 2)
    expected = {"train": [], "test": []}
    for (split, _, c), ev in truth.items():
        x, y, p = (ev[:, k].astype(np.int64) for k in range(3))
        ticks = np.floor(ev[:, 3] - ev[:, 3].min()).astype(np.int64)
        expected["train" if split == "ibmGestureTrain" else "test"].append(
            _mapped(expected_events(((y // 16) * 8 + x // 16) * 2 + p, ticks, 1500), c, 1500, 1000))
    return [root / "ibmGestureTrain", root / "ibmGestureTest"], {k: sorted(v) for k, v in expected.items()}


def _train(task: str, root: Path, out: Path, epochs: int, *extra: str):
    res = CliRunner().invoke(main, ["train", "--task", task, "--data", str(root), "--epochs", str(epochs), *extra,
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    return res.stdout.splitlines()                        # the progress bars go to stderr


@pytest.mark.parametrize("task, write, n_train, n_test, figures", [
    ("ssc", _ssc_files, 32, 16, False),
    ("nmnist", _nmnist_files, 20, 20, True),               # the end-of-run figures once (256 neurons drawn)
    ("dvs-gesture", _dvs_files, 22, 22, False),
])
def test_dataset_task_converts_exactly_caches_and_learns(tmp_path, task, write, n_train, n_test, figures):
    raw, expected = write(tmp_path, np.random.default_rng(4))
    lines = _train(task, tmp_path, tmp_path / "run", 2, *(() if figures else ("--no-inspect",)))
    spec = load_spec(task)
    params = asdict(params_of(PARAMS[spec.maker], spec.params, task))
    cache = tmp_path / CACHE_DIR / f"{spec.maker}-{preset_hash(spec.maker, params)}"
    assert [p.name for p in (tmp_path / CACHE_DIR).iterdir()] == [cache.name]
    meta = json.loads((cache / "meta.json").read_text())
    assert (meta["n_train"], meta["n_test"], meta["params"]) == (n_train, n_test, params)
    for split in ("train", "test"):
        got = sorted((tuple(map(tuple, s.events.tolist())), s.label, s.n_ticks, s.marker_index)
                     for s in read_dataset(cache / f"{split}.dat"))
        assert got == expected[split]
    assert f"data {tmp_path}: {n_train} train + {n_test} test samples" in lines[0]
    for name in ("curve.png", "weights_chip.png", "inspect_chip.png") if figures else ("curve.png",):
        assert (tmp_path / "run" / name).stat().st_size > 10_000, name
    with open(tmp_path / "run" / "curve.csv", newline="") as f:
        curve = list(csv.DictReader(f))
    assert [r["phase"] for r in curve] == ["train", "test"] * 2
    assert all(int(r["weight_updates"]) > 0 for r in curve[0::2]) and all(int(r["weight_updates"]) == 0
                                                                          for r in curve[1::2])
    assert float(curve[-1]["accuracy"]) >= 0.7            # separable classes; chance 1/16, 1/10, 1/11
    assert json.loads(lines[-1]) == {"final_test_accuracy": float(curve[-1]["accuracy"])}
    inp = run_inputs(None, task, tmp_path, None, None, None, 1)
    cfg = inp.config
    shapes = {"winp": (cfg.n_inp, cfg.n_rec), "wrec": (cfg.n_rec, cfg.n_rec), "wout": (cfg.n_rec, cfg.n_out)}
    for name, shape in shapes.items():
        final = read_weights(tmp_path / "run" / f"{name}_final.dat", *shape)
        assert np.sum(final != inp.weights[name]) > 0, name
    for path in raw:                                      # the cache alone: the raw copy is not read again
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    again = _train(task, tmp_path, tmp_path / "again", 1, "--no-inspect")
    assert [line for line in again if line.startswith("epoch   1:")] == \
        [line for line in lines if line.startswith("epoch   1:")]


def _tiny_copy(task: str, root: Path, rng) -> None:
    """A few samples of two classes in the task's format (labels outside an SHD/SSC subset included)."""
    if task in ("shd", "ssc"):
        write_spike_hdf5(root / f"{task}_train.h5", rng, [3, 0, 21, 5])     # 21: outside both subsets
        write_spike_hdf5(root / f"{task}_test.h5", rng, [3, 0, 5])
    elif task == "nmnist":
        write_nmnist(root, rng, (1, 4), 1)
    else:
        write_dvs_gesture(root, rng, (2, 7), 1)


@pytest.mark.parametrize("task", ["shd", "ssc", "nmnist", "dvs-gesture"])
def test_sweep_and_curves_accept_every_dataset_task(tmp_path, task):
    _tiny_copy(task, tmp_path, np.random.default_rng(5))
    common = ["--task", task, "--data", str(tmp_path), "--epochs", "1", "--ntrain", "2", "--ntest", "2"]
    res = CliRunner().invoke(main, ["sweep", "--grid", "weight=7", "--jobs", "1", "--threads", *common,
                                    "--out", str(tmp_path / "sw")])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "sw" / "summary.json").read_text())
    assert (summary["metric"], summary["task"], summary["preset"]) == ("final_test_accuracy", task, f"reckon-{task}")
    assert len(summary["points"]) == 2 and (summary["n_train"], summary["n_test"]) == (2, 2)
    with open(tmp_path / "sw" / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["backend"], r["weight"]) for r in rows) == [("chip", "7"), ("chip", "8"), ("chip_float", "")]
    assert {(r["task"], r["data"], r["epochs"], r["n_train"]) for r in rows} == {(task, str(tmp_path), "1", "2")}
    assert all(int(r["weight_updates"]) > 0 for r in rows)
    res = CliRunner().invoke(main, ["curves", "--backends", "chip,chip_float", "--no-inspect", *common,
                                    "--out", str(tmp_path / "cu")])
    assert res.exit_code == 0, res.output
    out = res.stdout.splitlines()
    assert out[-3].startswith("chip       test accuracy per epoch:") and out[-2].startswith("chip_float test acc")
    with open(tmp_path / "cu" / "curves.csv", newline="") as f:
        assert sorted({r["backend"] for r in csv.DictReader(f)}) == ["chip", "chip_float"]


def test_sweep_seeds_of_a_dataset_task_vary_the_initial_weights(tmp_path):
    """The local copy fixes the samples, the seed still draws the initial weights: --seeds is accepted with --data
    for a dataset task (a ReckOn data folder, which fixes both, allows 1 seed: test_sweep.py)."""
    _tiny_copy("nmnist", tmp_path, np.random.default_rng(6))
    res = CliRunner().invoke(main, ["sweep", "--grid", "weight=7", "--seeds", "2", "--task", "nmnist", "--data",
                                    str(tmp_path), "--epochs", "1", "--ntrain", "2", "--ntest", "2", "--jobs", "1",
                                    "--threads", "--no-reference", "--out", str(tmp_path / "sw")])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "sw" / "results.csv", newline="") as f:
        rows = {(r["weight"], r["seed"]): r for r in csv.DictReader(f)}
    assert sorted(rows) == [("7", "1"), ("7", "2"), ("8", "1"), ("8", "2")]
    assert rows[("8", "1")]["spikes"] != rows[("8", "2")]["spikes"]
    w1, w2 = (run_inputs(None, "nmnist", tmp_path, s, None, None, 1).weights["winp"] for s in (1, 2))
    assert not np.array_equal(w1, w2)
    assert "(--until-decided)" in res.stdout


def test_vectors_accepts_a_dataset_task(tmp_path):
    _tiny_copy("nmnist", tmp_path, np.random.default_rng(7))
    res = CliRunner().invoke(main, ["vectors", "--task", "nmnist", "--data", str(tmp_path), "--samples", "1",
                                    "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert (manifest["config"]["SPI_NUM_INP_NEUR"], manifest["config"]["SPI_NUM_REC_NEUR"]) == (161, 255)
    assert len(manifest["samples"]) == 2                               # 1 train + 1 test
