"""The public API: the names README promises, and the README's example runs as written."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import reckon_sim

README = Path(__file__).resolve().parents[1] / "README.md"


def test_public_names_resolve():
    for name in reckon_sim.__all__:
        assert getattr(reckon_sim, name) is not None, name
    from reckon_sim.core.chip import Chip
    assert reckon_sim.Chip is Chip
    assert reckon_sim.RECKON == reckon_sim.BitWidths()


def test_version_from_metadata():
    from importlib.metadata import version
    assert reckon_sim.__version__ == version("reckon-sim")


def test_unknown_name_is_an_attribute_error():
    try:
        reckon_sim.no_such_thing  # noqa: B018
    except AttributeError as e:
        assert "no_such_thing" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def test_readme_example_runs(capsys):
    text = README.read_text()
    block = re.search(r"<!-- python-api-example -->\n```python\n(.*?)```", text, re.S)
    assert block, "README has no Python API example"
    exec(compile(block.group(1), "README-example", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("chip test accuracy per epoch: [")
    assert out[1].startswith("inference ") and "cycles of tick 2200:" in out[1]
    assert out[2].startswith("chip_float test accuracy: [")


def test_load_task_matches_run_inputs():
    from reckon_sim.experiments.data import run_inputs
    a = reckon_sim.load_task(seed=3, n_train=4, n_test=2, epochs=1)
    b = run_inputs("reckon-tbench", "cue-accumulation", None, 3, 4, 2, 1)
    assert len(a.train) == 4 and len(a.test) == 2 and a.epochs == 1
    for k in ("winp", "wrec", "wout"):
        assert np.array_equal(a.weights[k], b.weights[k])
    assert all(np.array_equal(x.events, y.events) for x, y in zip(a.train, b.train))


def test_chip_from_files_reads_a_preset_and_reckon_weight_files():
    from reckon_sim import Chip
    from reckon_sim.io.reckon_files import read_weights
    data = Path(__file__).resolve().parents[1].parent / "shared" / "reckon-data"
    if not data.is_dir():
        pytest.skip(f"{data} is absent (the testbench's weight files)")
    preset = Path(__file__).resolve().parents[1] / "models" / "reckon-tbench.toml"
    names = [data / f"init_rand_weights_{m}_cueAcc.dat" for m in ("inp", "rec", "out")]
    chip = Chip.from_files(preset, *names)
    w = chip.weights()
    assert w["winp"].shape == (40, 100) and w["wout"].shape == (100, 2)
    assert np.array_equal(w["wrec"], read_weights(names[1], 100, 100).astype(np.int8))
