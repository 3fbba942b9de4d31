"""Exact BPTT adjoint: finite differences, e-prop factorisation with the total learning signal, alignment."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.reference.bptt import bptt_gradients, compare_eprop_bptt
from reckon_sim.reference.eprop import EpropNetwork, EpropParams, eprop_gradients

BASE = dict(n_in=4, n_rec=7, n_out=3, thr=0.6, tau_mem=0.03, tau_out=0.01, target_tick=25,
            w_init_gain=(3.0, 1.0, 1.0), seed=3)
N_T = 50


def setup(smooth_beta=0.0, **overrides):
    params = EpropParams(**{**BASE, "smooth_beta": smooth_beta, **overrides})
    weights = EpropNetwork.from_params(params).weights()
    x = (np.random.default_rng(3).random((N_T, params.n_in)) < 0.25).astype(float)
    return params, weights, x


def loss_of(params, weights, x, label):
    return eprop_gradients(params, weights, x, label)[1]


def central_difference(params, weights, x, label, name, idx, eps):
    plus = {k: v.copy() for k, v in weights.items()}
    minus = {k: v.copy() for k, v in weights.items()}
    plus[name][idx] += eps
    minus[name][idx] -= eps
    return (loss_of(params, plus, x, label) - loss_of(params, minus, x, label)) / (2 * eps)


@pytest.mark.parametrize("name", ["winp", "wrec", "wout"])
def test_bptt_matches_finite_differences_with_smooth_spikes(name):
    # logistic spikes with psi = their exact slope: BPTT must be the true gradient of E
    params, weights, x = setup(smooth_beta=0.08)
    grads, loss, rec = bptt_gradients(params, weights, x, 2)
    assert loss == pytest.approx(loss_of(params, weights, x, 2), rel=1e-12)
    rng = np.random.default_rng(0)
    shape = weights[name].shape
    checked = 0
    for _ in range(12):
        idx = tuple(int(rng.integers(s)) for s in shape)
        if name == "wrec" and idx[0] == idx[1]:
            continue                               # self-connections are cut: gradient 0 by definition
        fd = central_difference(params, weights, x, 2, name, idx, 1e-6)
        assert grads[name][idx] == pytest.approx(fd, rel=2e-6, abs=1e-8 * np.max(np.abs(grads[name])))
        checked += 1
    assert checked >= 8


def test_output_gradient_of_spiking_network_matches_finite_differences():
    # wout does not change the spike train, so E is smooth in wout even with Heaviside spikes
    params, weights, x = setup()
    grads, _, rec = bptt_gradients(params, weights, x, 0)
    assert rec["spikes"].sum() > 30
    for idx in [(0, 0), (3, 1), (6, 2), (2, 0)]:
        fd = central_difference(params, weights, x, 0, "wout", idx, 1e-6)
        assert grads["wout"][idx] == pytest.approx(fd, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("smooth_beta", [0.0, 0.08])
def test_eprop_with_total_learning_signal_equals_bptt(smooth_beta):
    params, weights, x = setup(smooth_beta)
    result = compare_eprop_bptt(params, weights, x, 1)
    for name, err in result["exact_rel_error"].items():
        assert err <= 1e-10, (name, err)
    assert result["cosine"]["wout"] == pytest.approx(1.0, abs=1e-12)      # readout gradient is exact in e-prop
    print(f"\nplain e-prop vs BPTT cosine (smooth_beta={smooth_beta}): "
          + ", ".join(f"{k} {v:.4f}" for k, v in result["cosine"].items()))
    assert result["cosine"]["winp"] > 0.3 and result["cosine"]["wrec"] > 0.3


def test_plain_eprop_equals_factorisation_with_readout_signal():
    # online e-prop (B err[t] against kappa-filtered traces) == sum_t (wout dvo[t]) psi eps: only the recurrent
    # terms (wrec - thr I) dv[t+1] of dE/dz are dropped
    params, weights, x = setup()
    _, _, rec = bptt_gradients(params, weights, x, 1)
    total, readout = rec["learning_signal_total"], rec["learning_signal_readout"]
    assert np.max(np.abs(total - readout)) > 0                 # the recurrent terms e-prop truncates
    g_plain, _, _ = eprop_gradients(params, weights, x, 1)
    g_readout, _, _ = eprop_gradients(params, weights, x, 1, learning_signal=readout)
    for name in g_plain:                                       # plain online e-prop == readout-only signal
        np.testing.assert_allclose(g_plain[name], g_readout[name], rtol=0,
                                   atol=1e-12 * max(1.0, np.max(np.abs(g_plain[name]))))


def test_bptt_is_deterministic_and_float64():
    params, weights, x = setup()
    a, la, _ = bptt_gradients(params, weights, x, 0)
    b, lb, _ = bptt_gradients(params, weights, x, 0)
    assert la == lb and all(np.array_equal(a[k], b[k]) and a[k].dtype == np.float64 for k in a)
