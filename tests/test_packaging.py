"""The package as users get it: the presets lookup, and a wheel built from the sources and installed into a fresh
venv that runs `reckon-sim train` from another folder with the presets it ships (no checkout on the path)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reckon_sim import presets
from reckon_sim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "LICENSE", "reckon_sim", "models")


def test_presets_by_name_or_path_and_unknown_names_listed(tmp_path):
    assert {"reckon-tbench", "reckon-reset", "cue-accumulation"} <= set(presets.names())
    shipped = presets.shipped_dir() / "reckon-tbench.toml"
    assert presets.find("reckon-tbench") == presets.find("reckon-tbench.toml") == shipped
    own = tmp_path / "reckon-tbench"                   # a file given by path wins over the shipped name
    own.write_text("")
    assert presets.find(str(own)) == own
    with pytest.raises(InputError, match=r"^task preset 'nope': not found \(known presets: .*reckon-tbench"):
        presets.find("nope", "task preset")


def _run(cmd, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, f"{cmd} exited {res.returncode}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _copy_sources(dest: Path) -> Path:
    """What a release is built from, copied so the build leaves nothing in the checkout."""
    skip = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc", "*.egg-info")
    dest.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, dest / name)
    return dest


def test_wheel_in_a_fresh_venv_runs_train_with_its_own_presets(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}        # nothing but the venv's own copy
    src = _copy_sources(tmp_path / "src")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", venv], tmp_path, env)   # numpy, numba: the machine's
    python = venv / "bin" / "python"
    build_requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    _run([python, "-m", "pip", "install", "-q", *build_requires], tmp_path, env)
    _run([python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", src],
         tmp_path, env)
    wheel, = (tmp_path / "dist").glob("reckon_sim-*.whl")
    _run([python, "-m", "pip", "install", "-q", "--no-deps", wheel], tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([python, "-c", "import reckon_sim, reckon_sim.presets as p; print(reckon_sim.__file__); "
                                "print(p.find('reckon-tbench')); print(p.find('cue-accumulation'))"], elsewhere, env)
    for path in where.stdout.split():
        assert Path(path).resolve().is_relative_to(venv.resolve()), where.stdout
    res = _run([venv / "bin" / "reckon-sim", "train", "--epochs", "1", "--ntrain", "2", "--ntest", "2", "--out", "X"],
               elsewhere, env)
    assert "wrote X/curve.csv" in res.stdout
    written = {p.name for p in (elsewhere / "X").iterdir()}
    assert {"curve.csv", "curve.png", "curve.svg", "report.json", "winp_final.dat", "wrec_final.dat",
            "wout_final.dat"} <= written, written
