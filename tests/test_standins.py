"""tools/make_standins.py: the synthetic stand-ins are read by the shipped adapters (counts, labels, channels) and
the tuned dataset chip preset learns the N-MNIST one (README 'Tasks')."""
from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from reckon_sim.backends import task_backend
from reckon_sim.experiments.data import run_inputs
from reckon_sim.experiments.train import train

TOOL = Path(__file__).resolve().parents[1] / "tools" / "make_standins.py"


def _tool():
    spec = importlib.util.spec_from_file_location("make_standins", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_nmnist_standin_is_read_by_the_adapter_and_learnt_by_the_tuned_preset(tmp_path):
    _tool().main([str(tmp_path), "--only", "nmnist", "--train-per-class", "20", "--test-per-class", "5"])
    inp = run_inputs(None, "nmnist", tmp_path / "nmnist", None, None, None, 1)
    assert Counter(s.label for s in inp.train) == dict.fromkeys(range(10), 20)
    assert len(inp.test) == 50 and all(s.n_ticks == 320 for s in inp.train)
    channels = np.concatenate([s.events[:, 0] for s in inp.train])
    assert channels.min() >= 0 and channels.max() < 162 and set(np.unique(channels % 2)) == {0, 1}
    run = train(task_backend("chip", inp), inp.train, inp.test, 1)
    assert run.accuracy("test") == [1.0]                     # stock learning parameters: 10 % after epoch 1


def test_spike_hdf5_standin_has_every_class_and_its_units(tmp_path):
    pytest.importorskip("h5py", reason="h5py not installed (pip install -e '.[data]')")
    _tool().main([str(tmp_path), "--only", "shd", "--train-per-class", "2", "--test-per-class", "1"])
    inp = run_inputs(None, "shd", tmp_path / "shd", None, None, None, 1)
    assert Counter(s.label for s in inp.train) == dict.fromkeys(range(10), 2) and len(inp.test) == 10
    assert max(int(s.events[:, 0].max()) for s in inp.train) < 175
    assert min(int(s.events[:, 1].max()) for s in inp.train) >= 500     # background up to 1 s, window 600..
