"""General float network (ALIF, refractoriness, regression, rate regulariser) against BPTT and hand sequences."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from reckon_sim.backend import Sample
from reckon_sim.experiments.train import train
from reckon_sim.reference.optim import make_optimizer
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


def test_alif_and_refractory_forward_match_a_hand_computed_sequence():
    # one input, one neuron, no recurrence: v, a, z by hand from the module docstring
    params = EpropParams(n_in=1, n_rec=1, n_out=1, thr=0.5, tau_mem=0.01, tau_out=0.01, tau_adapt=0.004,
                         beta_adapt=2.0, neuron="alif", refractory=1, target_tick=0, no_self_connections=False)
    weights = {"winp": np.array([[0.4]]), "wrec": np.array([[0.0]]), "wout": np.array([[1.0]])}
    x = np.array([[1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0]], float).T
    alpha, rho = math.exp(-0.1), math.exp(-0.25)
    v = a = z = 0.0
    ref, expect_z, expect_a = 0, [0.0], [0.0]
    for t in range(1, len(x)):
        a = rho * a + (1 - rho) * z
        v = alpha * v + 0.4 * x[t - 1, 0] - 0.5 * z
        if ref > 0:
            ref, z = ref - 1, 0.0
        else:
            z = 1.0 if v - 2.0 * a > 0.5 else 0.0
            ref = 1 if z else 0
        expect_z.append(z)
        expect_a.append(a)
    _, _, info = eprop_gradients(params, weights, x, 0, record=True)
    np.testing.assert_array_equal(info["spikes"][:, 0], expect_z)
    np.testing.assert_allclose(info["adaptation"][:, 0], expect_a, rtol=1e-15)
    assert 0 < sum(expect_z) < len(x) - 2
    assert all(not (expect_z[t] and expect_z[t + 1]) for t in range(len(x) - 1))   # refractory tick after a spike


def test_alif_eligibility_matches_a_hand_computed_regression_gradient():
    params = EpropParams(n_in=2, n_rec=1, n_out=1, thr=0.3, tau_mem=0.005, tau_out=0.004, tau_adapt=0.01,
                         beta_adapt=1.5, neuron="alif", readout="regression", target_tick=3, gamma=0.5,
                         no_self_connections=False)
    weights = {"winp": np.array([[0.35], [0.2]]), "wrec": np.array([[0.0]]), "wout": np.array([[0.7]])}
    x = (np.random.default_rng(1).random((30, 2)) < 0.5).astype(float)
    y = np.sin(np.arange(30) / 4.0)[:, None]
    grads, _, info = eprop_gradients(params, weights, x, y, record=True)
    alpha, kappa, rho = math.exp(-0.2), math.exp(-0.25), math.exp(-0.1)
    psi = info["psi"][:, 0]
    eps_v, eps_a, ebar, g = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
    for t in range(30):
        if t > 0:
            eps_a = (1 - rho) * psi[t - 1] * eps_v + (rho - (1 - rho) * 1.5 * psi[t - 1]) * eps_a
            eps_v = alpha * eps_v + x[t - 1]
        ebar = kappa * ebar + psi[t] * (eps_v - 1.5 * eps_a)
        if t >= 3:
            g += 0.7 * (info["out_membrane"][t, 0] - y[t, 0]) * ebar
    assert np.abs(g).max() > 1e-3
    np.testing.assert_allclose(grads["winp"][:, 0], g, rtol=1e-12)


def _readout_adjoint(params, out_membrane, target):
    """dvo[t] = err[t] + kappa dvo[t+1] of a classification sample (numpy, from the recorded outputs)."""
    n_t = out_membrane.shape[0]
    dvo, nxt = np.zeros_like(out_membrane), np.zeros(out_membrane.shape[1])
    for t in range(n_t - 1, -1, -1):
        err = np.zeros_like(nxt)
        if t >= params.target_tick:
            p = np.exp(out_membrane[t] - out_membrane[t].max())
            err = p / p.sum() - np.eye(len(nxt))[target]
        nxt = dvo[t] = err + params.kappa * nxt
    return dvo


@pytest.mark.parametrize("kind", ["lif", "alif", "lif-refractory"])
def test_random_feedback_is_eprop_with_the_bptt_readout_adjoint_through_b(kind):
    params, weights, x, target = setup(**({"lif": {}, "lif-refractory": KINDS["lif-refractory"]}.get(kind)
                                          or KINDS["alif"]), feedback="random")
    net = EpropNetwork.from_params(params)
    _, _, rec = bptt_gradients(params, weights, x, target)
    signal = _readout_adjoint(params, rec["out_membrane"], target) @ net.feedback.T
    g_plain = eprop_gradients(params, weights, x, target, feedback=net.feedback)[0]
    g_given = eprop_gradients(params, weights, x, target, learning_signal=signal)[0]
    for name in ("winp", "wrec"):
        np.testing.assert_allclose(g_plain[name], g_given[name], rtol=1e-11, atol=1e-14)
    g_bptt = bptt_gradients(params, weights, x, target)[0]
    np.testing.assert_allclose(g_plain["wout"], g_bptt["wout"], rtol=1e-12)    # the readout gradient is exact


def test_rate_regulariser_adds_its_signal_to_every_tick():
    params, weights, x, target = setup(**KINDS["alif"])
    reg = replace(params, reg_rate=4.0, reg_target_hz=50.0)
    g0, loss0, info = eprop_gradients(params, weights, x, target)
    g1, loss1, _ = eprop_gradients(reg, weights, x, target)
    dev = info["spike_count"] / N_T - 0.05
    assert loss1 == pytest.approx(loss0 + 2.0 * np.sum(dev ** 2), rel=1e-13)
    signal = np.tile(4.0 * dev / N_T, (N_T, 1))
    g_reg = eprop_gradients(params, weights, x, target, learning_signal=signal)[0]
    for name in ("winp", "wrec"):
        np.testing.assert_allclose(g1[name] - g0[name], g_reg[name], rtol=1e-10, atol=1e-14)


def test_adaptive_feedback_follows_the_output_update():
    params = replace(EpropParams(**BASE), feedback="adaptive", optimizer="sgd", lr=0.1, batch_size=1)
    net = EpropNetwork.from_params(params)
    b0, w0 = net.feedback.copy(), net.weights()["wout"]
    x = (np.random.default_rng(3).random((N_T, params.n_in)) < 0.25).astype(float)
    sample = Sample(np.argwhere(x)[:, ::-1].astype(np.int32), 1, N_T, 0)
    net.run_sample(sample, True)
    assert np.abs(net.weights()["wout"] - w0).max() > 1e-4
    np.testing.assert_allclose(net.feedback - b0, net.weights()["wout"] - w0, rtol=1e-12, atol=1e-16)
    assert not np.allclose(net.feedback, net.weights()["wout"])


def test_regression_run_sample_takes_the_chips_integer_target_rows():
    params = EpropParams(**{**BASE, "readout": "regression", "neuron": "alif", "batch_size": 1, "lr": 1e-2})
    net = EpropNetwork.from_params(params)
    x = (np.random.default_rng(3).random((N_T, params.n_in)) < 0.25).astype(float)
    sample = Sample(np.argwhere(x)[:, ::-1].astype(np.int32), 0, N_T, 0)
    rows = np.full((N_T - 1 - params.target_tick, params.n_out), 1024, np.int64)      # 0.5 in chip units
    y = np.full((N_T, params.n_out), np.nan)
    y[params.target_tick:N_T - 1] = 0.5
    expect = eprop_gradients(params, net.weights(), x, y)[1]
    res = net.run_sample(sample, True, targets=rows)
    assert res.loss == pytest.approx(expect, rel=1e-14) and res.n_updates > 0
    assert math.isnan(net.run_sample(sample, False).loss)


@pytest.mark.parametrize("name", ["nesterov", "rmsprop"])
def test_optimisers_follow_torch_formulas(name):
    opt = make_optimizer(name, 0.1, momentum=0.5)
    w = {"w": np.array([1.0, -2.0])}
    g1, g2 = np.array([0.5, 1.0]), np.array([-1.0, 0.25])
    opt.step(w, {"w": g1})
    opt.step(w, {"w": g2})
    if name == "nesterov":              # buf1 = g1; buf2 = 0.5 g1 + g2; step = g + mu buf
        expect = np.array([1.0, -2.0]) - 0.1 * (g1 + 0.5 * g1) - 0.1 * (g2 + 0.5 * (0.5 * g1 + g2))
    else:
        v1 = 0.01 * g1 ** 2
        v2 = 0.99 * v1 + 0.01 * g2 ** 2
        expect = np.array([1.0, -2.0]) - 0.1 * g1 / (np.sqrt(v1) + 1e-8) - 0.1 * g2 / (np.sqrt(v2) + 1e-8)
    np.testing.assert_allclose(w["w"], expect, rtol=1e-15)


def _samples(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.random((N_T, 4)) < 0.25
        out.append(Sample(np.argwhere(x)[:, ::-1].astype(np.int32), int(i % 3), N_T, 0))
    return out


def test_seeded_shuffling_and_early_stopping():
    params = replace(EpropParams(**BASE), batch_size=1, lr=1e-2)
    data = _samples(6, 0)
    runs = [train(EpropNetwork.from_params(params), data, data[:2], 2, shuffle_seed=s) for s in (5, 5, 6, None)]
    losses = [[r.loss for r in run.rows if r.phase == "train"] for run in runs]
    assert losses[0] == losses[1] and losses[0] != losses[2] and losses[0] != losses[3]
    frozen = replace(params, lr=0.0)                  # validation loss never improves after epoch 0
    run = train(EpropNetwork.from_params(frozen), data, data[:2], 5, validation=data[4:], patience=2)
    assert run.stopped_epoch == 2 and [r.phase for r in run.rows][-3:] == ["train", "test", "validation"]


def test_an_epochs_last_partial_batch_updates_before_the_test_pass():
    params = replace(EpropParams(**BASE), batch_size=5, lr=1e-2)      # 3 samples: one partial batch per epoch
    data = _samples(3, 1)
    net = EpropNetwork.from_params(params)
    run = train(net, data, data[:1], 1)
    by_hand = EpropNetwork.from_params(params)
    for s in data:
        assert by_hand.run_sample(s, True).n_updates == 0
    n_changed = by_hand.flush()
    assert n_changed > 0 and [r.weight_updates for r in run.rows] == [n_changed, 0]
    for name, w in by_hand.weights().items():
        np.testing.assert_array_equal(net.weights()[name], w)
    assert run.rows[1].loss == by_hand.run_sample(data[0], False).loss
