"""Functional coverage (issue 12): bins counted by the kernels agree exactly with the kernels' own statistics,
coverage never changes a result, the suite generator reaches the reachable bins in its budget, the CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.cli.group import main
from reckon_sim.core.chip import Chip
from reckon_sim.core.coverage import Coverage, collect
from reckon_sim.core.host import HostSpec
from reckon_sim.hw.coverage import BINS, INDEX, KERNEL_BINS, REACHABLE
from reckon_sim.vectors.suite import DEFAULT_BUDGET_TICKS, SET_OVERHEAD_TICKS, generate, random_case, ticks

from .test_vectors import small_spec


def _run(spec, cov_on: bool):
    chip = Chip.from_config(spec.config, **spec.weights)
    chip.host = spec.host or HostSpec()
    cov = chip.enable_coverage() if cov_on else None
    res = [chip.run_sample(s, True) for s in spec.train] + [chip.run_sample(s, False) for s in spec.test]
    return res, cov, chip


def test_bin_table_is_consistent():
    names = [b.name for b in BINS]
    assert len(names) == len(set(names))
    assert all(b.reason for b in BINS if not b.reachable)
    assert {b.name for b in BINS if not b.reachable} == {"sr_equal_update", "sr_equal_wout"}
    for group, n in (("ste_segment_", 5), ("ste_boundary_", 4), ("regul_mode_", 8)):
        idx = [INDEX[f"{group}{k}"] for k in range(n)]
        assert idx == list(range(idx[0], idx[0] + n))          # the hooks add k to the group's first index
    assert INDEX["out_membrane_sat_down"] == INDEX["out_membrane_sat_up"] + 1
    assert all(INDEX[b.name] < len(KERNEL_BINS) for b in KERNEL_BINS)


@pytest.mark.parametrize("seed", [pytest.param(3, marks=pytest.mark.slow), 11, 29])   # 3 draws a ~60 s case
def test_coverage_changes_nothing_and_agrees_with_kernel_stats(seed):
    rng = np.random.default_rng(seed)
    spec = random_case(rng, "t")
    off, _, chip_off = _run(spec, False)
    on, cov, chip_on = _run(spec, True)
    for a, b in zip(off, on):
        assert (a.inference, a.n_spikes, a.n_updates, a.n_sops) == (b.inference, b.n_spikes, b.n_updates, b.n_sops)
        assert np.array_equal(a.tick_table, b.tick_table) and np.array_equal(a.out_bytes, b.out_bytes)
    for k, w in chip_off.weights().items():
        assert np.array_equal(w, chip_on.weights()[k])
    c = {b.name: int(n) for b, n in zip(BINS, cov.counts)}
    spikes = sum(r.n_spikes for r in on)
    assert c["reset_subtract" if spec.config["SPI_RST_MODE"] == 0 else "reset_zero"] == spikes
    assert c["reset_zero" if spec.config["SPI_RST_MODE"] == 0 else "reset_subtract"] == 0
    sat = {k: sum(r.saturations[k] for r in on) for k in ("membrane", "trace", "weight")}
    assert c["membrane_sat_up"] + c["membrane_sat_down"] == sat["membrane"]
    assert sum(c[f"trace_sat_{x}"] for x in ("inp", "rec", "out", "supp")) == sat["trace"]
    assert sum(c[n] for n in ("weight_sat_max", "weight_sat_min", "wout_sat_max", "wout_sat_min")) == sat["weight"]
    n_samples = len(on)
    assert c["fsm_idle_prop"] == c["fsm_sdone_send"] == n_samples
    assert c["fsm_prop_step"] == sum(s.n_ticks - 1 for s in (*spec.train, *spec.test))
    assert c["fsm_sdone_eprop"] + c["fsm_sdone_gettar"] == sum(r.eprop_ticks for r in on)
    assert sum(c[f"regul_mode_{m}"] for m in range(8)) == sum(r.eprop_ticks for r in on)
    assert c["send_label"] + c["send_membranes"] == n_samples


def test_collect_counts_every_chip_made_inside():
    spec = small_spec()
    with collect() as cov:
        _run(spec, False)                        # enable_coverage is implied by collect()
        _run(spec, False)
    alone = _run(spec, True)[1]
    assert np.array_equal(cov.counts, 2 * alone.counts)
    assert Chip.from_config(spec.config, **spec.weights).coverage is None     # outside collect(): off


def test_report_round_trip_and_table(tmp_path):
    cov = _run(small_spec(), True)[1]
    cov.write(tmp_path / "coverage.json")
    back = Coverage.read(tmp_path / "coverage.json")
    assert np.array_equal(back.counts, cov.counts)
    doc = json.loads((tmp_path / "coverage.json").read_text())
    assert doc["summary"]["reachable"] == len(REACHABLE)
    table = cov.table()
    assert table.count("\n") == len(BINS)
    assert "    MISSED  vote_tie" in table and " unreachable  sr_equal_update" in table
    hit = doc["summary"]["reachable_hit"]
    assert table.endswith(f"coverage: {hit} of {len(REACHABLE)} reachable bins hit "
                          f"({doc['summary']['percent']} %), {len(BINS) - len(REACHABLE)} unreachable")


def test_suite_generator_reaches_95_percent_within_budget():
    suite = generate(1, DEFAULT_BUDGET_TICKS)
    merged = Coverage()
    for _, _, c in suite:
        merged = merged.merge(c)
    s = merged.summary()
    assert s["reachable_hit"] >= 0.95 * s["reachable"], s["missed"]
    assert sum(ticks(i) + SET_OVERHEAD_TICKS for _, i, _ in suite) <= DEFAULT_BUDGET_TICKS
    assert {"ste_boundary_0", "ste_boundary_3", "vote_tie", "send_vote_tie"} <= merged.hit()
    assert {"fsm_timing_error", "fsm_local_tick", "fsm_sdone_config", "fsm_send_per_timestep",
            "fsm_gettar_wait_label", "fsm_gettar_hang", "regul_every_tick", "reg_SPI_TIMING_MODE"} <= merged.hit()
    hosts = [i.host for _, i, _ in suite]
    assert any(h.tick_period for h in hosts) and any(h.config_every for h in hosts)


def test_timing_bins_count_lost_ticks_probes_and_halts():
    """small_spec, period 900, ERROR_HALT = 0, probes every 12 ticks: 6 lost ticks (tests/test_lost_ticks.py),
    2 CONFIG visits; a local tick with CYCLES_PER_TICK = 1 and ERROR_HALT = 1 halts with TIMING_ERROR."""
    from reckon_sim.core.chip import ChipHang
    spec = small_spec()
    chip = Chip.from_config(spec.config.with_registers(SPI_ERROR_HALT=0), **spec.weights)
    chip.host = HostSpec(tick_period=900, config_every=12)
    cov = chip.enable_coverage()
    chip.run_sample(spec.train[0], True)
    c = {b.name: int(n) for b, n in zip(BINS, cov.counts)}
    assert (c["fsm_timing_error"], c["fsm_sdone_config"], c["fsm_local_tick"]) == (6, 2, 0)
    chip = Chip.from_config(spec.config.with_registers(SPI_LOCAL_TICK=1, SPI_CYCLES_PER_TICK=1), **spec.weights)
    cov = chip.enable_coverage()
    with pytest.raises(ChipHang):
        chip.run_sample(spec.train[0], True)
    assert cov.counts[INDEX["fsm_timing_error"]] == cov.counts[INDEX["fsm_local_tick"]] == 1


def test_cli_suite_and_coverage(tmp_path):
    out = tmp_path / "suite"
    r = CliRunner().invoke(main, ["vectors", "--suite", "--out", str(out), "--seed", "5", "--budget-ticks", "400",
                                  "--candidates", "30"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "suite.json").read_text())
    assert manifest["ticks"] + SET_OVERHEAD_TICKS * len(manifest["sets"]) <= 400
    assert manifest["unreachable"]["sr_equal_update"]
    assert all((out / s["name"] / "stimulus.hex").is_file() for s in manifest["sets"])
    wrote = [line for line in r.output.splitlines() if line.startswith("wrote ")]
    assert wrote[0].startswith(f"wrote {out}: {len(manifest['sets'])} vector sets, {manifest['ticks']} ticks "
                               "(budget 400)")
    per_set = Coverage()
    for s in manifest["sets"]:
        per_set = per_set.merge(Coverage.read(out / s["name"] / "coverage.json"))
    assert np.array_equal(per_set.counts, Coverage.read(out / "coverage.json").counts)
    again = CliRunner().invoke(main, ["vectors", "--suite", "--out", str(tmp_path / "again"), "--seed", "5",
                                      "--budget-ticks", "400", "--candidates", "30"])
    assert (tmp_path / "again" / "suite.json").read_bytes() == (out / "suite.json").read_bytes()
    assert again.exit_code == 0
    r = CliRunner().invoke(main, ["coverage", str(out), "--missed"])
    summary = Coverage.read(out / "coverage.json").table().splitlines()[-1]
    assert r.exit_code == 0 and summary in r.output.splitlines()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = CliRunner().invoke(main, ["coverage", str(bad)])
    assert r.exit_code == 2


def test_cli_vectors_coverage_flag(tmp_path):
    r = CliRunner().invoke(main, ["vectors", "--samples", "1", "--out", str(tmp_path / "v"), "--coverage"])
    assert r.exit_code == 0, r.output
    cov = Coverage.read(tmp_path / "v" / "coverage.json")
    assert cov.counts[INDEX["fsm_sdone_send"]] == 2 and "coverage: " in r.output


def test_cli_run_coverage_flag(tmp_path):
    from .conftest import GOLDEN, need_shared
    case = need_shared(GOLDEN / "pub_noise_reset")
    r = CliRunner().invoke(main, ["run", str(case), "--out", str(tmp_path / "o"), "--coverage", "--ntrain", "1",
                                  "--ntest", "1", "--epochs", "1"])
    assert r.exit_code == 0, r.output
    c = Coverage.read(tmp_path / "o" / "coverage.json").counts
    assert c[INDEX["fsm_sdone_send"]] == 2 and c[INDEX["noise_pass"]] > 0 and c[INDEX["reset_zero"]] > 0
    assert c[INDEX["reset_subtract"]] == 0 and "coverage: " in r.output


def test_cli_train_coverage_flag(tmp_path):
    r = CliRunner().invoke(main, ["train", "--epochs", "1", "--ntrain", "2", "--ntest", "1", "--no-inspect",
                                  "--out", str(tmp_path / "t"), "--coverage"])
    assert r.exit_code == 0, r.output
    c = Coverage.read(tmp_path / "t" / "coverage.json").counts
    assert c[INDEX["fsm_sdone_send"]] == 3 and c[INDEX["fsm_sdone_eprop"]] > 0


def test_a_gettar_hang_is_its_own_bin_and_a_halt_is_not():
    """SINGLE_LABEL = 0 with the stock host (one label per sample, TARGET_TICK 20): tick 21 waits in GET_TAR for
    a label that never comes; the local-tick halt in IDLE (test_timing_bins_...) does not count there."""
    from reckon_sim.core.chip import ChipHang
    spec = small_spec()
    chip = Chip.from_config(spec.config.with_registers(SPI_SINGLE_LABEL=0), **spec.weights)
    cov = chip.enable_coverage()
    with pytest.raises(ChipHang) as hang:
        chip.run_sample(spec.train[0], True)
    assert (hang.value.state, hang.value.tick, cov.counts[INDEX["fsm_gettar_hang"]]) == ("GET_TAR", 21, 1)
    chip = Chip.from_config(spec.config.with_registers(SPI_LOCAL_TICK=1, SPI_CYCLES_PER_TICK=1), **spec.weights)
    cov = chip.enable_coverage()
    with pytest.raises(ChipHang, match="IDLE"):
        chip.run_sample(spec.train[0], True)
    assert cov.counts[INDEX["fsm_gettar_hang"]] == 0


def test_suite_candidates_exclude_halts_the_vectors_do_not_write(monkeypatch):
    """model_runs applies the vectors' own refusals (vectors.model_only.check_halt), so generate() draws such a
    candidate again instead of choosing it: before, `reckon-sim vectors --suite` (seed 1) stopped with `the cut
    tick is raised inside the busy one, where the bench does not check a hang: not written (model only)`."""
    from reckon_sim.core.hang import ChipHang
    from reckon_sim.errors import InputError
    from reckon_sim.vectors import suite

    def cut_gettar_hang(self, *args, **kwargs):
        hang = ChipHang("GET_TAR", 28, "it cut tick 27's PROP scan")
        hang.cut_ticks = ((28, 100),)
        raise hang
    inputs = small_spec()
    chip = Chip.from_config(inputs.config, **inputs.weights)
    monkeypatch.setattr(Chip, "run_sample", cut_gettar_hang)
    with pytest.raises(InputError, match="the cut tick is raised inside the busy one"):
        list(suite.model_runs(inputs, chip))
