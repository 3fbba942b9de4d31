"""Vanilla e-prop reference: eprop-PyTorch numerics, online kernel, learning, determinism, frozen values."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.backend import Backend, Sample
from reckon_sim.config import ChipConfig
from reckon_sim.reference.eprop import EpropNetwork, EpropParams, eprop_gradients


# ---------------------------------------------------------------------------------------------------------------
# Test oracle: a pure-numpy transcription of eprop-PyTorch's models.py (SRNN.forward + grads_batch), written loop
# by loop from its equations with PyTorch's layouts ([time, batch, unit], w_in = [n_rec, n_in]) and conv1d
# semantics (cross-correlation, zero padding). Independent of the online kernel under test.
# ---------------------------------------------------------------------------------------------------------------

def torch_conv1d_grouped(signal: np.ndarray, kernel: np.ndarray, padding: int) -> np.ndarray:
    """F.conv1d(signal[b, C, L], kernel expanded to [C, 1, K], padding, groups=C) -> [b, C, L + 2p - K + 1]."""
    n_b, n_c, length = signal.shape
    k = kernel.shape[0]
    padded = np.zeros((n_b, n_c, length + 2 * padding))
    padded[:, :, padding:padding + length] = signal
    out = np.zeros((n_b, n_c, length + 2 * padding - k + 1))
    for j in range(out.shape[2]):
        out[:, :, j] = padded[:, :, j:j + k] @ kernel
    return out


def pytorch_eprop_oracle(w_in, w_rec, w_out, x, yt, thr, alpha, kappa, gamma, b_o, lr_layer, t_crop):
    """Gradients that eprop-PyTorch leaves in w_in.grad, w_rec.grad, w_out.grad for one batch (float64)."""
    n_t, n_b, _ = x.shape
    n_rec, n_in = w_in.shape
    n_out = w_out.shape[0]
    w_rec = w_rec * (1 - np.eye(n_rec))
    v = np.zeros((n_t, n_b, n_rec))
    vo = np.zeros((n_t, n_b, n_out))
    z = np.zeros((n_t, n_b, n_rec))
    for t in range(n_t - 1):
        v[t + 1] = (alpha * v[t] + z[t] @ w_rec.T + x[t] @ w_in.T) - z[t] * thr
        z[t + 1] = (v[t + 1] > thr).astype(float)
        vo[t + 1] = kappa * vo[t] + z[t + 1] @ w_out.T + b_o
    e = np.exp(vo - vo.max(axis=2, keepdims=True))
    yo = e / e.sum(axis=2, keepdims=True)
    h = gamma * np.maximum(np.zeros_like(v), 1 - np.abs((v - thr) / thr))
    alpha_conv = np.array([alpha ** (n_t - i - 1) for i in range(n_t)])
    trace_in = torch_conv1d_grouped(x.transpose(1, 2, 0), alpha_conv, n_t)[:, :, 1:n_t + 1]
    trace_in = np.broadcast_to(trace_in[:, None], (n_b, n_rec, n_in, n_t))
    trace_in = np.einsum('tbr,brit->brit', h, trace_in)
    trace_rec = torch_conv1d_grouped(z.transpose(1, 2, 0), alpha_conv, n_t)[:, :, :n_t]
    trace_rec = np.broadcast_to(trace_rec[:, None], (n_b, n_rec, n_rec, n_t))
    trace_rec = np.einsum('tbr,brit->brit', h, trace_rec)
    kappa_conv = np.array([kappa ** (n_t - i - 1) for i in range(n_t)])
    trace_out = torch_conv1d_grouped(z.transpose(1, 2, 0), kappa_conv, n_t)[:, :, 1:n_t + 1]
    trace_in = torch_conv1d_grouped(trace_in.reshape(n_b, n_in * n_rec, n_t), kappa_conv, n_t)[
        :, :, 1:n_t + 1].reshape(n_b, n_rec, n_in, n_t)
    trace_rec = torch_conv1d_grouped(trace_rec.reshape(n_b, n_rec * n_rec, n_t), kappa_conv, n_t)[
        :, :, 1:n_t + 1].reshape(n_b, n_rec, n_rec, n_t)
    err = yo - yt
    L = np.einsum('tbo,or->brt', err, w_out)
    L, err = L[:, :, -t_crop:], err[-t_crop:]
    trace_in, trace_rec, trace_out = trace_in[..., -t_crop:], trace_rec[..., -t_crop:], trace_out[..., -t_crop:]
    g_in = lr_layer[0] * np.sum(L[:, :, None, :] * trace_in, axis=(0, 3))
    g_rec = lr_layer[1] * np.sum(L[:, :, None, :] * trace_rec, axis=(0, 3))
    g_out = lr_layer[2] * np.einsum('tbo,brt->or', err, trace_out)
    return g_in, g_rec, g_out


def torch_adam_oracle(param, grad, lr, steps_state):
    """One torch.optim.Adam step (defaults) written from the PyTorch docs' algorithm."""
    m, v, step = steps_state
    step += 1
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad * grad
    m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
    return param - lr * m_hat / (np.sqrt(v_hat) + 1e-8), (m, v, step)


# ---------------------------------------------------------------------------------------------------------------

SMALL = EpropParams(n_in=5, n_rec=7, n_out=2, thr=0.6, tau_mem=2.0, tau_out=0.02, target_tick=45,
                    w_init_gain=(2.0, 0.6, 0.5), batch_size=3, seed=11)
N_T = 60


def random_inputs(rng, n_t, n_in, rate):
    return (rng.random((n_t, n_in)) < rate).astype(float)


def to_sample(x: np.ndarray, label: int) -> Sample:
    t, c = np.nonzero(x)
    order = np.lexsort((c, t))
    events = np.stack([c[order], t[order]], axis=1).astype(np.int32)
    return Sample(events=events, label=label, n_ticks=x.shape[0], marker_index=len(events))


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(5)
    xs = [random_inputs(rng, N_T, SMALL.n_in, 0.15) for _ in range(3)]
    labels = [0, 1, 1]
    return xs, labels


def oracle_batch(params, weights, xs, labels):
    x = np.stack(xs, axis=1)
    yt = np.zeros((x.shape[0], len(xs), params.n_out))
    for b, label in enumerate(labels):
        yt[:, b, label] = 1.0
    return pytorch_eprop_oracle(weights["winp"].T, weights["wrec"].T, weights["wout"].T, x, yt, params.thr,
                                params.alpha, params.kappa, params.gamma, params.bias_out, params.lr_layer,
                                x.shape[0] - params.target_tick)


def test_pytorch_compat_reproduces_eprop_pytorch_gradients(batch):
    xs, labels = batch
    params = EpropParams(**{**SMALL.__dict__, "pytorch_compat": True})
    net = EpropNetwork.from_params(params)
    w = net.weights()
    g_in, g_rec, g_out = oracle_batch(params, w, xs, labels)
    mine = {k: np.zeros_like(v) for k, v in w.items()}
    n_spikes = 0
    for x, label in zip(xs, labels):
        grads, _, info = eprop_gradients(params, w, x, label)
        n_spikes += info["n_spikes"]
        for factor, name in zip(params.lr_layer, EpropNetwork.LAYERS):
            mine[name] += factor * grads[name]
    assert n_spikes > 20                      # the case exercises the recurrent traces
    for ref, name in ((g_in.T, "winp"), (g_rec.T, "wrec"), (g_out.T, "wout")):
        assert np.max(np.abs(ref)) > 0
        np.testing.assert_allclose(mine[name], ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))


def test_clean_mode_differs_from_pytorch_only_in_input_trace_and_diagonal(batch):
    xs, labels = batch
    compat = EpropParams(**{**SMALL.__dict__, "pytorch_compat": True})
    w = EpropNetwork.from_params(SMALL).weights()
    g_clean, loss_clean, _ = eprop_gradients(SMALL, w, xs[0], labels[0])
    g_compat, loss_compat, _ = eprop_gradients(compat, w, xs[0], labels[0])
    assert loss_clean == loss_compat
    np.testing.assert_array_equal(g_clean["wout"], g_compat["wout"])
    off = ~np.eye(SMALL.n_rec, dtype=bool)
    np.testing.assert_array_equal(g_clean["wrec"][off], g_compat["wrec"][off])
    assert np.all(np.diag(g_clean["wrec"]) == 0) and np.any(np.diag(g_compat["wrec"]) != 0)
    assert np.max(np.abs(g_clean["winp"] - g_compat["winp"])) > 1e-3 * np.max(np.abs(g_clean["winp"]))


def test_adam_batch_step_matches_torch_adam(batch):
    xs, labels = batch
    params = EpropParams(**{**SMALL.__dict__, "pytorch_compat": True, "lr": 1e-3})
    net = EpropNetwork.from_params(params)
    w0 = net.weights()
    results = [net.run_sample(to_sample(x, label), learn=True) for x, label in zip(xs, labels)]
    assert [r.n_updates > 0 for r in results] == [False, False, True]
    grads = dict(zip(EpropNetwork.LAYERS, (g.T for g in oracle_batch(params, w0, xs, labels))))
    for name in EpropNetwork.LAYERS:
        ref, _ = torch_adam_oracle(w0[name], grads[name], params.lr, (0.0, 0.0, 0))
        np.testing.assert_allclose(net.weights()[name], ref, rtol=0, atol=1e-12)


def test_run_sample_inference_is_argmax_of_summed_softmax(batch):
    xs, labels = batch
    net = EpropNetwork.from_params(SMALL)
    assert isinstance(net, Backend)
    res = net.run_sample(to_sample(xs[1], labels[1]), learn=False)
    _, loss, info = eprop_gradients(SMALL, net.weights(), xs[1], labels[1], record=True)
    vo = info["out_membrane"][SMALL.target_tick:]
    p = np.exp(vo - vo.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert res.inference == int(np.argmax(p.sum(axis=0)))
    assert res.loss == pytest.approx(-np.log(p[:, labels[1]]).sum(), rel=1e-12)
    assert res.n_spikes == int(info["spikes"].sum()) and res.n_updates == 0 and res.eprop_ticks == 0
    np.testing.assert_allclose(res.votes, p.sum(axis=0), rtol=1e-12)
    assert net.run_sample(to_sample(xs[1], labels[1]), learn=True).eprop_ticks == xs[1].shape[0] - SMALL.target_tick


def test_from_config_takes_sizes_and_window_from_the_chip():
    cfg = ChipConfig.from_preset("reckon-tbench").with_registers(SPI_NUM_REC_NEUR=19, TARGET_TICK=50)
    net = EpropNetwork.from_config(cfg, seed=3, lr=1e-3)
    p = net.params
    assert (p.n_in, p.n_rec, p.n_out, p.target_tick, p.seed, p.lr) == (40, 20, 2, 50, 3, 1e-3)
    assert p.tau_mem == EpropParams().tau_mem                           # e-prop's own hyper-parameters
    np.testing.assert_array_equal(net.weights()["wrec"], EpropNetwork.from_params(p).weights()["wrec"])
    assert EpropNetwork.from_preset("reckon-tbench").params == EpropParams(n_in=40, n_rec=100, n_out=2,
                                                                           target_tick=2100)


def test_random_feedback_changes_only_hidden_gradients(batch):
    xs, labels = batch
    net = EpropNetwork.from_params(SMALL, feedback="random")
    w = net.weights()
    g_sym, _, _ = eprop_gradients(SMALL, w, xs[0], labels[0])
    g_rnd, _, _ = eprop_gradients(SMALL, w, xs[0], labels[0], feedback=net.feedback)
    np.testing.assert_array_equal(g_sym["wout"], g_rnd["wout"])
    assert not np.allclose(g_sym["winp"], g_rnd["winp"])


def test_float32_option_is_close_to_float64(batch):
    xs, labels = batch
    w = EpropNetwork.from_params(SMALL).weights()
    g64, l64, _ = eprop_gradients(SMALL, w, xs[0], labels[0])
    g32, l32, _ = eprop_gradients(EpropParams(**{**SMALL.__dict__, "dtype": "float32"}), w, xs[0], labels[0])
    assert g32["winp"].dtype == np.float32
    assert l32 == pytest.approx(l64, rel=1e-5)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], atol=1e-4 * np.max(np.abs(g64[k])))


def test_seeded_runs_are_deterministic(batch):
    xs, labels = batch

    def train(seed):
        net = EpropNetwork.from_params(SMALL, seed=seed, batch_size=1, lr=1e-2)
        losses = [net.run_sample(to_sample(x, lab), learn=True).loss for x, lab in zip(xs, labels)]
        return losses, net.weights()

    (la, wa), (lb, wb), (lc, wc) = train(3), train(3), train(4)
    assert la == lb and all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not np.array_equal(wa["winp"], wc["winp"])


# Frozen regression values (computed once with this implementation, float64): 3 SGD steps on a seeded problem.
FROZEN_LOSSES = [39.74877389625756, 33.28321937925107, 29.36241958346323]
FROZEN_GRADS = {   # (iteration, layer, pre, post): raw e-prop gradient before that iteration's step
    (0, "winp", 2, 5): -9.213524412324006,
    (0, "wrec", 1, 5): -44.85013948750506,
    (0, "wout", 1, 0): -96.01119071586622,
    (1, "winp", 2, 5): 30.69272412449478,
    (1, "wrec", 0, 5): 115.28433923127739,
    (1, "wout", 0, 0): 96.32107520357559,
    (2, "winp", 0, 5): -41.60334867800059,
    (2, "wrec", 0, 5): -194.11207768727039,
    (2, "wout", 0, 0): -91.42137949934283,
}


def frozen_run():
    params = EpropParams(n_in=4, n_rec=6, n_out=2, tau_mem=0.05, tau_out=0.01, target_tick=30,
                         w_init_gain=(2.5, 0.8, 1.0), optimizer="sgd", lr=0.002, batch_size=1, seed=2024)
    net = EpropNetwork.from_params(params)
    rng = np.random.default_rng(99)
    losses, grads = [], []
    for it in range(3):
        x = random_inputs(rng, 40, params.n_in, 0.2)
        g, loss, _ = eprop_gradients(params, net.weights(), x, it % 2)
        grads.append(g)
        losses.append(net.run_sample(to_sample(x, it % 2), learn=True).loss)
        assert losses[-1] == loss
    return losses, grads


def test_frozen_regression_values():
    losses, grads = frozen_run()
    np.testing.assert_allclose(losses, FROZEN_LOSSES, rtol=1e-10)
    for (it, name, i, j), value in FROZEN_GRADS.items():
        assert grads[it][name][i, j] == pytest.approx(value, rel=1e-10, abs=1e-14)


def cue_task(rng, n_samples, n_t=90, n_in=8, n_cues=5):
    """Toy cue accumulation: 5 cues of 8 ticks on the left (channels 0-1) or right (4-5) group, label = majority
    side; a 15-tick delay, then recall (channels 2-3, 6-7) over the window t >= 60; background noise elsewhere."""
    samples = []
    for _ in range(n_samples):
        sides = rng.integers(2, size=n_cues)
        label = int(sides.sum() > n_cues // 2)
        rate = np.full((n_t, n_in), 0.01)
        for c, side in enumerate(sides):
            rate[5 + 8 * c:11 + 8 * c, 4 * side:4 * side + 2] = 0.5
        rate[60:, [2, 3, 6, 7]] = 0.2
        samples.append(to_sample((rng.random((n_t, n_in)) < rate).astype(float), label))
    return samples


def test_learns_small_cue_task_above_chance():
    rng = np.random.default_rng(0)
    train, test = cue_task(rng, 40), cue_task(rng, 40)
    net = EpropNetwork.from_params(n_in=8, n_rec=20, n_out=2, target_tick=60, tau_mem=0.2, tau_out=0.02,
                                   w_init_gain=(1.0, 0.3, 0.5), lr=5e-3, batch_size=4, seed=1)
    before = np.mean([net.run_sample(s, learn=False).correct for s in test])
    for _ in range(5):
        for s in train:
            net.run_sample(s, learn=True)
    after = np.mean([net.run_sample(s, learn=False).correct for s in test])
    assert after >= 0.75 and after > before + 0.2
