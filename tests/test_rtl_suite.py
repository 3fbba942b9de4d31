"""The vector suite on the replay DUT (never the ReckOn RTL): tools/rtl/run_suite.sh passes it; replaying a
mutated model's responses (a wrong STE boundary compare, a wrong vote tie-break) fails exactly the sets whose
expected responses the mutation changes, and the model names the first divergent tick."""
from __future__ import annotations

import filecmp
import os
import subprocess
from pathlib import Path

import pytest

from reckon_sim.vectors import write_vectors
from reckon_sim.vectors.mutants import MUTANTS, first_divergence, write_mutant
from reckon_sim.vectors.suite import generate, write_suite

from .test_rtl_bench import REPLAY, RTL, icarus_replay_bench, need

BUDGET = 1500


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("suite")
    chosen = generate(1, BUDGET)
    write_suite(out, chosen, 1, BUDGET, write_vectors)
    return out, chosen


@pytest.fixture(scope="module")
def icarus(tmp_path_factory):
    return icarus_replay_bench(tmp_path_factory.mktemp("icarus_suite"))


def _expect_differs(a: Path, b: Path) -> bool:
    """Do two vector folders of the same inputs expect different responses (OUT_DATA, cycles, SRAM images)?"""
    files = [p.relative_to(a) for p in (a / "mem").glob("*.mem")] + [p.relative_to(a) for p in (a / "expect").glob(
        "*.hex") if not p.name.startswith("state_")]
    return any(not filecmp.cmp(a / f, b / f, shallow=False) for f in files)


def test_run_suite_passes_on_replay_dut(suite, tmp_path):
    need("iverilog")
    out, chosen = suite
    env = {**os.environ, "SUITE": str(out), "SIM": "icarus", "TOP": "reckon_replay", "BUILD": str(tmp_path / "b")}
    r = subprocess.run([str(RTL / "run_suite.sh"), str(REPLAY)], env=env, capture_output=True, text=True,
                       timeout=1200)
    lines = r.stdout.splitlines()
    assert r.returncode == 0, r.stdout + r.stderr
    assert [line.split(":")[0] for line in lines[:-1]] == [name for name, _, _ in chosen]
    assert all(": PASS (PASS (" in line for line in lines[:-1])
    assert lines[-1].startswith(f"SUITE: PASS ({len(chosen)} of {len(chosen)} sets passed, ")
    logs = sorted((tmp_path / "b").glob("set_*.log"))
    assert sum("reusing the build" in p.read_text() for p in logs) == len(chosen) - 1     # one build in all
    bad = subprocess.run([str(RTL / "run_suite.sh"), str(REPLAY), "--", "+replay_corrupt=2"], env=env,
                         capture_output=True, text=True, timeout=1200)
    # a wrong OUT_DATA in sample 0 fails every set but those whose sample 0 halts (it sends no OUT_DATA)
    import json
    halting = sum("halt" in json.loads((out / name / "manifest.json").read_text())["samples"][0]
                  for name, _, _ in chosen)
    assert bad.returncode == 1 and bad.stdout.splitlines()[-1].startswith(
        f"SUITE: FAIL ({halting} of {len(chosen)} sets")
    assert "OUT_DATA item 0: read" in bad.stdout
    usage = subprocess.run([str(RTL / "run_suite.sh")], env={**env, "SUITE": ""}, capture_output=True, text=True)
    assert usage.returncode == 2 and "SUITE=DIR" in usage.stderr


@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_is_caught_with_first_divergent_tick(suite, icarus, mutant, tmp_path):
    out, chosen = suite
    caught = 0
    for name, inputs, _ in chosen:
        where = first_divergence(inputs, mutant)
        mut = tmp_path / name
        write_mutant(mut, inputs, mutant)
        differs = _expect_differs(out / name, mut)
        if not differs:
            continue
        assert where is not None                # the responses differ only if some tick did
        gidx, tick, what = where
        r = subprocess.run([*icarus, f"+vec={out / name}", f"+replay_vec={mut}"], capture_output=True, text=True,
                           timeout=300)
        text = r.stdout + r.stderr
        assert r.returncode != 0 and "RESULT: FAIL" in text, text[-2000:]
        first_fail = next(line for line in text.splitlines() if ": FAIL" in line)
        fail_gidx = int(first_fail.split("sample ")[1][:4])
        assert fail_gidx >= gidx                # no sample fails before the model's first divergence
        assert 2 <= tick <= inputs.train[0].n_ticks and what in ("vote", "prop", "step", "wchk", "lfsr", "oneur",
                                                                  "err", "z", "send")
        caught += 1
    assert caught >= 1, f"no set of the suite catches {mutant}"


def test_first_divergence_names_the_tick():
    chosen = generate(1, BUDGET)
    found = {m: [first_divergence(i, m) for _, i, _ in chosen] for m in MUTANTS}
    for m, rows in found.items():
        hits = [r for r in rows if r is not None]
        assert hits, m
        gidx, tick, what = hits[0]
        assert tick >= 2 and (what == "vote") == (m == "vote_tie_high")


def test_verilator_shift_bug_sets_are_marked_and_skipped(tmp_path):
    """Sets whose additive regularisation term can reach bit 31 and is shifted back (srnn.v L893-894, which
    Verilator 5.006 sign-fills) carry verilator_skip.txt; run_suite.sh skips them on Verilator only."""
    from reckon_sim.config import ChipConfig
    from reckon_sim.vectors.suite import verilator_unsafe
    base = ChipConfig.from_preset("reckon-tbench").with_registers(SPI_REGUL_MODE=2, SPI_REGUL_W=3,
                                                                  SPI_REGUL_K_INP_R=3, SPI_REGUL_K_INP_P=28)
    assert verilator_unsafe(base) == ("SPI_REGUL_K_INP_P = 28 with K_INP_R != 0: Verilator 5.006 mis-simulates "
                                      "srnn.v L893-894 (tools/rtl/README.md); run this set with SIM=icarus")
    for regs in ({"SPI_REGUL_K_INP_P": 19}, {"SPI_REGUL_K_INP_R": 0}, {"SPI_REGUL_MODE": 1}, {"SPI_REGUL_W": 2}):
        assert verilator_unsafe(base.with_registers(**regs)) is None
    (tmp_path / "set_00").mkdir()
    (tmp_path / "suite.json").write_text("{}")
    (tmp_path / "set_00" / "stimulus.hex").write_text("")
    (tmp_path / "set_00" / "verilator_skip.txt").write_text("why\n")
    r = subprocess.run([str(RTL / "run_suite.sh"), "rtl.v"], env={**os.environ, "SUITE": str(tmp_path),
                       "SIM": "verilator", "BUILD": str(tmp_path / "b")}, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "set_00: SKIP (why)", r.stdout + r.stderr
    assert r.stdout.splitlines()[1].startswith("SUITE: PASS (0 of 1 sets passed, 1 skipped on Verilator, ")
