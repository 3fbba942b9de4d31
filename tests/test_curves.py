"""`reckon-sim curves` and the equivalence of the chip model with the chip's rule in float."""
import csv

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.core.chip import Chip
from reckon_sim.core.records import AT_STEP, NF
from reckon_sim.io.golden import load_case
from reckon_sim.reference import ChipFloat

from .conftest import DATA, GOLDEN


def test_curves_cli_writes_csv_and_figure(tmp_path):
    out = tmp_path / "c"
    res = CliRunner().invoke(main, ["curves", "--epochs", "2", "--ntrain", "6", "--ntest", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(out / "curves.csv")))
    assert [(r["backend"], r["epoch"], r["phase"]) for r in rows] == [
        (b, str(e), p) for b in ("chip", "chip_float", "eprop") for e in (0, 1) for p in ("train", "test")]
    assert all(0.0 <= float(r["accuracy"]) <= 1.0 and float(r["loss"]) > 0 for r in rows)
    assert (out / "curves.png").stat().st_size > 10000 and (out / "curves.svg").exists()
    for b in ("chip", "chip_float", "eprop"):                 # end-of-run figures per backend, numbers beside
        for name in (f"weights_{b}.png", f"weights_{b}.csv", f"inspect_{b}.png", f"inspect_{b}.csv"):
            assert (out / name).stat().st_size > 500, name


def test_curves_rejects_unknown_backend(tmp_path):
    res = CliRunner().invoke(main, ["curves", "--backends", "chip,gpu", "--out", str(tmp_path / "c")])
    assert res.exit_code == 2 and "unknown backend 'gpu'" in res.output and not (tmp_path / "c").exists()


def _case():
    folder = GOLDEN / "pub_regul" if (GOLDEN / "pub_regul").exists() else DATA / "golden" / "pub_regul"
    return load_case(folder)


@pytest.mark.parametrize("learn", [False, True])
def test_chip_float_equals_chip_where_quantization_cannot_matter(learn):
    """pub_regul has stochastic rounding off and values well inside range: with floor rounding and the chip's
    saturations the float rule must reproduce the fixed-point trajectory exactly (tolerance 0) until the first
    weight update; in a test sample (no learning) for every tick."""
    case = _case()
    cfg = case.config
    sample = case.test[0] if not learn else case.train[0]
    chip = Chip.from_config(cfg, case.winp, case.wrec, case.wout)
    flt = ChipFloat.from_config(cfg, case.winp, case.wrec, case.wout, integer_rounding=True, saturate=True,
                                record=True)
    r_chip = chip.run_sample(sample, learn, dump=True)
    r_flt = flt.run_sample(sample, learn)
    rec, frec = r_chip.records, r_flt.records
    last = cfg.target_tick + 1 if learn else sample.n_ticks    # rows up to the step snapshot of tick TT+1
    nrec = cfg.n_rec
    for f, name in zip(NF, ("u", "tinp", "trec", "tout")):
        assert np.array_equal(rec.step[:last, f], frec[f"step_{name}"][:last, :nrec]), name
        assert np.array_equal(rec.prop[:last - 1, f], frec[f"prop_{name}"][:last - 1, :nrec]), name
    assert np.array_equal(rec.z[:last], frec["step_z"][:last])
    assert np.array_equal(rec.oneur[:last, AT_STEP, :cfg.n_out], frec["step_oneur_u"][:last])
    if not learn:
        assert r_chip.inference == r_flt.inference and r_chip.loss == pytest.approx(r_flt.loss, abs=0)


def test_curves_seeds_on_threads_write_the_same_bytes(tmp_path):
    outs = {}
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        res = CliRunner().invoke(main, ["curves", "--epochs", "2", "--ntrain", "4", "--ntest", "3", "--seeds", "3",
                                        "--threads", str(threads), "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs[threads] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert {"curves.csv", "seeds.csv", "seeds.png", "curves.png"} <= set(outs[1])
    assert len(outs[1]["seeds.csv"].splitlines()) == 1 + 3 * 3 * 2     # backends x seeds x epochs
    assert outs[1].keys() == outs[2].keys()
    for name, data in outs[1].items():
        assert outs[2][name] == data, name
