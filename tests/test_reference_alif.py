"""General float network (ALIF, refractoriness, regression, rate regulariser) against BPTT and hand sequences."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.reference.bptt import bptt_gradients, compare_eprop_bptt
from reckon_sim.reference.eprop import EpropNetwork, EpropParams, eprop_gradients
from reckon_sim.reference.eprop_general import general_gradients

BASE = dict(n_in=4, n_rec=7, n_out=3, thr=0.6, tau_mem=0.03, tau_out=0.01, target_tick=25,
            w_init_gain=(3.0, 1.0, 1.0), seed=3, tau_adapt=0.05, beta_adapt=3.0)
N_T = 50
KINDS = {
    "lif-regression": dict(readout="regression"),
    "alif": dict(neuron="alif"),
    "mixed-alif": dict(neuron="alif", n_adaptive=3),
    "alif-regression": dict(neuron="alif", readout="regression"),
    "lif-refractory": dict(refractory=2),
    "alif-refractory-regression": dict(neuron="alif", refractory=3, readout="regression"),
    "alif-regularised": dict(neuron="alif", reg_rate=5.0, reg_target_hz=20.0),
}


def setup(**overrides):
    params = EpropParams(**{**BASE, **overrides})
    weights = EpropNetwork.from_params(params).weights()
    rng = np.random.default_rng(3)
    x = (rng.random((N_T, params.n_in)) < 0.25).astype(float)
    target = rng.standard_normal((N_T, params.n_out)) if params.readout == "regression" else 2
    return params, weights, x, target


@pytest.mark.parametrize("kind", list(KINDS))
def test_eprop_with_total_signal_equals_bptt(kind):
    params, weights, x, target = setup(**KINDS[kind])
    g_bptt, loss, rec = bptt_gradients(params, weights, x, target)
    assert rec["spikes"].sum() > 20
    g_exact, loss_e, _ = eprop_gradients(params, weights, x, target, learning_signal=rec["learning_signal_total"])
    assert loss_e == pytest.approx(loss, rel=1e-13)
    for name in g_bptt:
        scale = np.max(np.abs(g_bptt[name]))
        assert scale > 0
        assert np.max(np.abs(g_exact[name] - g_bptt[name])) <= 1e-10 * scale
    cmp = compare_eprop_bptt(params, weights, x, target)
    assert max(cmp["exact_rel_error"].values()) <= 1e-10


@pytest.mark.parametrize("kind", ["alif", "alif-regression"])
def test_bptt_matches_finite_differences_with_smooth_spikes(kind):
    params, weights, x, target = setup(smooth_beta=0.08, **KINDS[kind])
    grads, loss, _ = bptt_gradients(params, weights, x, target)
    for name, idx in (("winp", (1, 2)), ("wrec", (0, 4)), ("wrec", (5, 1)), ("wout", (3, 1))):
        plus = {k: v.copy() for k, v in weights.items()}
        minus = {k: v.copy() for k, v in weights.items()}
        plus[name][idx] += 1e-6
        minus[name][idx] -= 1e-6
        fd = (eprop_gradients(params, plus, x, target)[1] - eprop_gradients(params, minus, x, target)[1]) / 2e-6
        assert grads[name][idx] == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_general_kernel_equals_vanilla_kernel_for_lif_classification():
    params, weights, x, target = setup()
    assert not params.general
    g_van, loss_van, info_van = eprop_gradients(params, weights, x, target, record=True)
    g_gen, loss_gen, info_gen = general_gradients(params, weights, x, target, None, None, True)
    assert loss_gen == pytest.approx(loss_van, rel=1e-14)
    np.testing.assert_array_equal(info_gen["spikes"], info_van["spikes"])
    for name in g_van:
        np.testing.assert_allclose(g_gen[name], g_van[name], rtol=1e-12, atol=1e-15)
