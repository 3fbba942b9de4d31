"""RTL conformance: every public golden case, key by key (FORMAT §6), through `reckon-sim run` / `compare`.

With ../shared/golden present the outputs are compared with the RTL's own files; without it, with the digests
of those files kept in tests/data/golden (tools/make_golden_digests.py).
"""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.experiments.run_case import run_case
from reckon_sim.io.compare import DIAGNOSTIC_KEYS, compare_dirs
from reckon_sim.io.golden import load_case

from .conftest import DATA, GOLDEN, need_shared

PUBLIC = ["pub_noise_reset", "pub_regression", "pub_regul", "pub_regul_everytick", "pub_supp_outonly"]


def _digest(a):
    import sys
    sys.path.insert(0, str(DATA.parents[1] / "tools"))
    from make_golden_digests import array_digest
    return array_digest(a)


@pytest.mark.parametrize("case", PUBLIC)
def test_public_case_identical_to_rtl(case, tmp_path):
    folder = GOLDEN / case if (GOLDEN / case).exists() else DATA / "golden" / case
    out = tmp_path / "out"
    run_case(load_case(folder), out)
    if (GOLDEN / case).exists():
        div, n_samples, n_keys = compare_dirs(GOLDEN / case, out, strict=True)
        assert div is None, str(div)
        assert n_samples == len(list((GOLDEN / case).glob("sample_*.npz"))) and n_keys > 40
    else:
        digests = json.loads((folder / "digests.json").read_text())
        for fname, keys in digests.items():
            z = np.load(out / fname)
            for key, dg in keys.items():
                if key not in DIAGNOSTIC_KEYS:
                    assert _digest(z[key]) == dg, f"{fname}: {key}"
    exp = [line.split()[:7] for line in (folder / "inferences.txt").read_text().splitlines()[1:]]
    got = [line.split()[:7] for line in (out / "inferences.txt").read_text().splitlines()[1:]]
    assert got == exp


def test_stock_first_training_sample_via_cli(tmp_path):
    """`reckon-sim run` on stock_3's first training sample: every per-tick and state key identical."""
    stock = need_shared(GOLDEN / "stock_3")
    res = CliRunner().invoke(main, ["run", str(stock), "--out", str(tmp_path / "o"), "--ntrain", "1", "--ntest", "0"])
    assert res.exit_code == 0, res.output
    ref, got = np.load(stock / "sample_0000.npz"), np.load(tmp_path / "o" / "sample_0000.npz")
    for key in ref.files:
        if key in DIAGNOSTIC_KEYS:
            continue
        assert ref[key].dtype == got[key].dtype and np.array_equal(ref[key], got[key]), key
    assert int(got["inference"]) == 0 and int(got["tk_table"][:, 4].astype(bool).sum()) == 149


def test_stock_case_all_samples_via_cli_compare(tmp_path):
    stock = need_shared(GOLDEN / "stock_3")
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(stock), "--out", str(tmp_path / "o")]).exit_code == 0
    res = runner.invoke(main, ["compare", str(stock), str(tmp_path / "o"), "--strict"])
    assert res.exit_code == 0 and res.output.startswith("identical: 6 samples"), res.output


def test_compare_reports_first_divergence(tmp_path):
    case = need_shared(GOLDEN / "pub_regul")
    out = tmp_path / "o"
    run_case(load_case(case), out)
    z = dict(np.load(out / "sample_0002.npz"))
    z["step_u"] = z["step_u"].copy()
    z["step_u"][41, 7] += 1
    np.savez(out / "sample_0002.npz", **z)
    res = CliRunner().invoke(main, ["compare", str(case), str(out)])
    assert res.exit_code == 1
    assert res.output.strip() == (f"first divergence: sample 2, tick 42, key step_u, index [41, 7], "
                                  f"expected {int(z['step_u'][41, 7]) - 1}, got {int(z['step_u'][41, 7])}")


def test_compare_identical_message(tmp_path):
    case = need_shared(GOLDEN / "pub_regression")
    out = tmp_path / "o"
    CliRunner().invoke(main, ["run", str(case), "--out", str(out)])
    res = CliRunner().invoke(main, ["compare", str(case), str(out)])
    assert res.exit_code == 0
    assert res.output.strip().startswith("identical: 4 samples, ")


def test_run_failure_leaves_no_output(tmp_path, monkeypatch):
    """A run that fails mid-way (here: the second sample's input refused, after init.npz and sample_0000.npz
    were written) exits 2 with one line and leaves no output folder behind."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.errors import InputError
    case = need_shared(GOLDEN / "pub_regul")
    real, calls = Chip.run_sample, []

    def second_fails(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise InputError("train.dat: sample 1", "refused (allowed: a test's stand-in)")
        return real(self, *a, **k)
    monkeypatch.setattr(Chip, "run_sample", second_fails)
    res = CliRunner().invoke(main, ["run", str(case), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "train.dat: sample 1: refused (allowed: a test's stand-in)" in res.output, res.output
    assert len(calls) == 2 and not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.*"))


def test_run_writes_a_gettar_hang_as_a_halted_sample(tmp_path):
    """SINGLE_LABEL = 0 with the stock host, which sends the label once: the chip hangs in GET_TAR in the first
    learning tick, 261. `run` writes it as the RTL leaves it (a halted sample: state GET_TAR = 4, the 260 ticks
    before it), exit 0; nothing runs after it."""
    case = need_shared(GOLDEN / "pub_regul")
    cfg = json.loads((case / "config.json").read_text())
    cfg["SPI_SINGLE_LABEL"] = 0
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    res = CliRunner().invoke(main, ["run", str(case), "--config", str(tmp_path / "cfg.json"), "--out",
                                    str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert ("sample 0 halts: host program: the chip hangs in GET_TAR in tick 261: no target transfer answers its "
            "request (add GET_TAR answers: host label = 'gettar')") in res.output
    assert sorted(p.name for p in (tmp_path / "o").glob("sample_*.npz")) == ["sample_0000.npz"]
    z = np.load(tmp_path / "o" / "sample_0000.npz")
    assert (int(z["halt_tick"]), int(z["halt_state"]), int(z["timing_error"]), int(z["cut_state"])) == (261, 4, 0, -1)
    ref = np.load(case / "sample_0000.npz")["tk_table"] if (case / "sample_0000.npz").exists() else None
    assert z["tk_table"].shape == (260, 9)
    if ref is not None:                              # one label or a label per tick: the same 260 ticks before
        assert np.array_equal(z["tk_table"], ref[:260])
    row = json.loads((tmp_path / "o" / "summary.json").read_text())["samples"][-1]
    assert (row["halt_tick"], row["halt_state"]) == (261, 4)


def test_run_from_individual_files(tmp_path):
    case = need_shared(GOLDEN / "pub_regul")
    args = ["run", "--out", str(tmp_path / "o"), "--config", str(case / "config.json")]
    for k in ("train", "test", "winp", "wrec", "wout"):
        args += [f"--{k}", str(case / f"{k}.dat")]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 0
    res = runner.invoke(main, ["compare", str(case), str(tmp_path / "o")])
    assert res.exit_code == 0 and res.output.startswith("identical: 6 samples"), res.output
    res = runner.invoke(main, ["run", "--out", str(tmp_path / "p"), "--config", str(case / "config.json")])
    assert res.exit_code == 2 and "without a CASE folder, --train is required" in res.output
