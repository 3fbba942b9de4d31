"""The precision study: bootstrap and paired differences on constructed results with a known answer, the
minimum-width decision on synthetic monotone curves, --until-decided's seed targets, the Pareto front, and the
memory model against hand-computed ReckOn figures (doc/README.md: 2-kB neuron SRAM, 64-kB input and recurrent
SRAMs, 8-kB output SRAM)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from reckon_sim.experiments import study
from reckon_sim.experiments.grid import WIDTH_FIELDS, parse_grid
from reckon_sim.hw.memories import MEMORIES
from reckon_sim.hw.memory_cost import KB_BITS, memory_cost, memory_row
from reckon_sim.hw.widths import RECKON, SPEC

BASE = {f: SPEC[f].chip for f in WIDTH_FIELDS}


def row(seed, acc, backend="chip", **widths):
    return {**BASE, **widths, "seed": seed, "backend": backend, "final_test_accuracy": acc}


# ------------------------------------------------------------------------------------------- bootstrap
def test_bootstrap_of_constant_values_is_degenerate():
    iv = study.bootstrap_mean([0.25] * 7)
    assert (iv.mean, iv.lo, iv.hi, iv.n) == (0.25, 0.25, 0.25, 7)
    assert study.bootstrap_mean([0.4]) == study.Interval(0.4, 0.4, 0.4, 1)


def test_bootstrap_matches_the_normal_interval_of_a_large_sample():
    x = np.random.default_rng(3).normal(0.5, 0.1, 400)
    iv = study.bootstrap_mean(x)
    half = 1.96 * x.std() / np.sqrt(x.size)                        # the known large-sample answer
    assert iv.mean == pytest.approx(x.mean(), abs=1e-12)
    assert iv.lo == pytest.approx(x.mean() - half, abs=0.15 * half)
    assert iv.hi == pytest.approx(x.mean() + half, abs=0.15 * half)
    assert study.bootstrap_mean(x) == iv                           # fixed resampling seed


def test_bootstrap_of_two_values_spans_them():
    """Resamples of (0, 1): the mean is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4 -> the 95 % interval is [0, 1]."""
    iv = study.bootstrap_mean([0.0, 1.0])
    assert (iv.mean, iv.lo, iv.hi) == (0.5, 0.0, 1.0)


def test_paired_difference_cancels_the_seed_spread():
    """Seeds differ by up to 40 points, the point is exactly 6 points below ReckOn on every seed."""
    base = {s: 0.5 + 0.04 * s for s in range(1, 11)}
    rows = [row(s, a) for s, a in base.items()] + [row(s, a - 0.06, weight=5) for s, a in base.items()]
    rows += [row(s, a + 0.02, backend="chip_float") for s, a in base.items()]
    stats = study.point_stats(rows, 0.01)
    s5 = stats[tuple({**BASE, "weight": 5}[f] for f in WIDTH_FIELDS)]
    assert s5["value"].hi - s5["value"].lo > 0.1               # unpaired: wide
    assert s5["diff_reckon"].mean == pytest.approx(-0.06, abs=1e-12)
    assert s5["diff_reckon"].hi - s5["diff_reckon"].lo < 1e-12       # paired: exact
    assert s5["diff_reference"].mean == pytest.approx(-0.08, abs=1e-12)
    assert s5["status"] == study.OUTSIDE
    assert stats[study.RECKON_KEY]["diff_reckon"].mean == 0 and stats[study.RECKON_KEY]["status"] == study.WITHIN


def test_paired_differences_use_common_seeds_only():
    assert study.paired_differences({1: 0.5, 2: 0.7, 4: 0.9}, {1: 0.4, 2: 0.8, 3: 0.1}) == pytest.approx([0.1, -0.1])


# ------------------------------------------------------------------------------------------- decisions
def test_decide_and_extra_seeds():
    iv = study.Interval
    assert study.decide(iv(-0.005, -0.009, 0.0, 10), 0.01) == study.WITHIN
    assert study.decide(iv(-0.01, -0.01, -0.01, 10), 0.01) == study.WITHIN           # on −δ: within (slack)
    assert study.decide(iv(-0.05, -0.07, -0.02, 10), 0.01) == study.OUTSIDE
    assert study.decide(iv(0.0, -0.03, 0.03, 10), 0.01) == study.UNDECIDED
    assert study.decide(iv(0.0, 0.0, 0.0, 2), 0.01) == study.UNDECIDED               # too few seeds
    # mean 0.01 above −δ, lower half-width 0.03 at n = 10 -> n' = 10 * (0.03 / 0.02)^2 = 22.5 -> 13 more
    assert study.extra_seeds(iv(0.01, -0.02, 0.04, 10), 0.01) == 13
    assert study.extra_seeds(iv(-0.01, -0.03, 0.01, 10), 0.01) is None               # mean on −δ
    assert study.extra_seeds(iv(0.0, 0.0, 0.0, 1), 0.01) == 2                        # MIN_SEEDS


def _curve_rows(drop: dict[int, float], seeds=range(1, 13), noise=0.0, noisy=None):
    """acc(w, s) = base_s − drop[w] (+ seeded noise): a monotone curve under a large seed spread."""
    rng = np.random.default_rng(7)
    base = {s: 0.6 + 0.3 * rng.random() for s in seeds}
    rows = []
    for w, d in drop.items():
        for s in seeds:
            jitter = noise * rng.standard_normal() if w in (noisy or set(drop) - {8}) else 0.0
            rows.append(row(s, base[s] - d + jitter, weight=w))
    return rows


def test_minimum_width_on_a_monotone_curve():
    axis = parse_grid("weight=3..8")[0]
    rows = _curve_rows({8: 0.0, 7: 0.001, 6: 0.004, 5: 0.03, 4: 0.1, 3: 0.2}, noise=0.002)
    m = study.minimum_width(axis, study.point_stats(rows, 0.01))
    assert (m["min_width"], m["status"], m["blocking"]) == (6, "decided", [])
    m = study.minimum_width(axis, study.point_stats(rows, 0.05))
    assert (m["min_width"], m["status"]) == (5, "decided")
    m = study.minimum_width(axis, study.point_stats(rows, 0.5))
    assert (m["min_width"], m["status"]) == (3, "grid edge")


def test_minimum_width_undecided_point_is_flagged_with_an_estimate():
    axis = parse_grid("weight=4..8")[0]
    rows = _curve_rows({8: 0.0, 7: 0.0, 6: 0.005, 5: 0.1, 4: 0.2})
    for i, r in enumerate(r for r in rows if r["weight"] == 6):       # Δ = −0.5 ± 2 pp: straddles −δ = −1 pp
        r["final_test_accuracy"] += 0.02 * (-1) ** i
    stats = study.point_stats(rows, 0.01)
    m = study.minimum_width(axis, stats)
    assert m["status"] == "undecided" and m["blocking"][0]["width"] == 6 and m["min_width"] == 7
    assert m["blocking"][0]["seeds"] == 12 and m["blocking"][0]["extra_seeds"] >= 1
    key6 = dict(study.axis_keys(axis))[6]
    targets = study.seeds_to_add([axis], stats, max_seeds=20)
    assert set(targets) == {key6, study.RECKON_KEY} and targets[key6] == targets[study.RECKON_KEY] <= 20
    assert targets[key6] > 12
    assert study.seeds_to_add([axis], stats, max_seeds=12) == {}                    # at the limit: stop


def test_minimum_width_none_and_missing():
    axis = parse_grid("weight=6..8")[0]
    rows = _curve_rows({8: 0.0, 7: 0.2, 6: 0.3})
    assert study.minimum_width(axis, study.point_stats(rows, 0.01))["min_width"] == 8
    rows = [r for r in rows if r["weight"] != 7]
    assert study.minimum_width(axis, study.point_stats(rows, 0.01))["status"] == "missing"


def test_pareto_front():
    entries = [{"sram_kB": 138, "mean": 0.87}, {"sram_kB": 121, "mean": 0.87}, {"sram_kB": 104, "mean": 0.80},
               {"sram_kB": 110, "mean": 0.79}, {"sram_kB": 87, "mean": 0.80}]
    assert study.pareto_front(entries) == [False, True, False, False, True]


# ---------------------------------------------------------------------------------------- memory model
def test_memory_model_reproduces_the_documented_reckon_srams():
    c = memory_cost(RECKON)
    assert c.neuron_word_bits == 128 == {m.name: m.word_bits for m in MEMORIES}["neuron"]
    assert c.neuron_bits == 128 * 128 == 2 * KB_BITS                      # 2 kB
    assert c.winp_bits == c.wrec_bits == 4096 * 128 == 64 * KB_BITS       # 64 kB each
    assert c.wout_bits == 512 * 128 == 8 * KB_BITS                        # 8 kB (256 words used)
    assert c.neuron_state_bits == 128 * (3 * 16 + 12) and c.trace_bits == 128 * 2 * (12 + 12 + 10)
    assert c.sram_kB == 138.0 and c.register_bits == 16 * 16 and c.lfsr_output_bits == 512 + 512 + 448
    r = c.as_row()
    assert (r["sram_rel_reckon"], r["neuron_sram_kB"], r["winp_sram_kB"], r["wout_sram_kB"]) == (1.0, 2.0, 64.0, 8.0)


def test_memory_model_at_other_widths_by_hand():
    c = memory_cost(RECKON.with_(weight=5, membrane=12, trace_inp=8, trace_rec=8, trace_out=6, alpha_frac=10))
    assert c.winp_bits == 4096 * 16 * 5 and c.wout_bits == 512 * 16 * 5
    assert c.neuron_word_bits == 2 * (12 + 8 + 8 + 6) + 12 + 7            # two slots + threshold + alpha LSBs
    assert c.sram_bits == 128 * 87 + (4096 + 4096 + 512) * 80
    assert memory_row(dict(BASE, weight=4))["sram_kB"] == 2 + 3 * (64 + 64 + 8) / 8 * 4 / 3
    assert memory_row(None) == {}


def test_summary_is_json_and_deterministic():
    rows = _curve_rows({8: 0.0, 7: 0.001, 6: 0.03})
    a = json.dumps(study.point_table(study.point_stats(rows, 0.01)), sort_keys=True)
    assert a == json.dumps(study.point_table(study.point_stats(rows, 0.01)), sort_keys=True)
    recs = {json.dumps(r["widths"]): r for r in json.loads(a)}
    assert recs['{"weight": 6}']["status"] == "outside" and recs["{}"]["reckon"] is True
    assert recs['{"weight": 6}']["diff_reckon_pp"]["mean"] == pytest.approx(-3.0)
