"""Cross-check of the e-prop reference (pytorch_compat=True) against the real eprop-PyTorch code, run with PyTorch.

Opt-in: runs only when ``torch`` is importable AND ``EPROP_PYTORCH_DIR`` names a checkout of
https://github.com/ChFrenkel/eprop-PyTorch (the directory holding its ``models.py`` and ``main.py``); otherwise
every test is skipped. reckon_sim never depends on PyTorch and ships none of eprop-PyTorch's code: its modules are
imported from that directory at run time. Example (a separate venv keeps the project's environment torch-free)::

    python3 -m venv /tmp/torchenv    # then install torch (its CPU build suffices), numpy, numba, hypothesis, pytest
    /tmp/torchenv/bin/pip install -e . --no-deps   # plus the project's deps
    EPROP_PYTORCH_DIR=/path/to/eprop-PyTorch /tmp/torchenv/bin/python -m pytest \\
        tests/test_reference_vs_eprop_pytorch.py -q -o addopts=""

What is compared: ``SRNN.forward(x, yt, do_training=True)`` (forward pass + ``grads_batch``) leaves per-batch
e-prop gradients in ``w_in.grad``, ``w_rec.grad``, ``w_out.grad`` (times ``lr_layer``, summed over the batch);
they must equal the sum over the batch of :func:`eprop_gradients` (times ``lr_layer``), transposed to the
``[pre, post]`` layout. The network is shrunk (20 recurrent units, 300 ticks) so that PyTorch's grouped
``conv1d`` traces stay cheap; the full cue-accumulation size (40-100-2, 2250 ticks) takes ~1 min in float32 and
~15-30 min in float64 on one CPU core and was checked by hand (float64: ~2e-15; float32 vs float32: ~7e-5, each
float32 code being ~2e-4 from the float64 value at T = 2250, mostly rounding in the alpha ~ 1 input/recurrent traces).

eprop-PyTorch hard-codes float32 (``.float()`` on the spikes and on the conv kernels). The float64 comparison
therefore runs it with ``torch.set_default_dtype(torch.float64)`` and ``Tensor.float`` temporarily mapped to the
default dtype (restored afterwards): same code, every tensor in float64, so both sides agree to rounding (~1e-14).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from reckon_sim.reference.eprop import EpropNetwork, EpropParams, eprop_gradients

EPROP_DIR = os.environ.get("EPROP_PYTORCH_DIR", "")


def _skip_reason() -> str | None:
    if not EPROP_DIR:
        return ("EPROP_PYTORCH_DIR is not set (point it at a checkout of github.com/ChFrenkel/eprop-PyTorch to "
                "cross-check the e-prop reference against the real code)")
    if not (Path(EPROP_DIR) / "models.py").is_file():
        return f"EPROP_PYTORCH_DIR={EPROP_DIR!r} holds no models.py (expected an eprop-PyTorch checkout)"
    if importlib.util.find_spec("torch") is None:
        return "torch is not importable (reckon_sim never depends on PyTorch; use a separate venv with torch)"
    return None


_REASON = _skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

N_T, T_CROP = 300, 60
PARAMS = EpropParams(n_rec=20, target_tick=N_T - T_CROP, w_init_gain=(2.0, 0.5, 0.5), seed=7, pytorch_compat=True)
LABELS = (0, 1)
EPROP_MODULES = ("models", "train", "setup", "main")      # eprop-PyTorch's top-level module names


@pytest.fixture(scope="module")
def eprop_pytorch():
    """eprop-PyTorch's modules imported from EPROP_PYTORCH_DIR; sys.path and sys.modules restored afterwards."""
    import matplotlib
    matplotlib.use("Agg")                     # models.py imports pyplot at import time
    saved = {name: sys.modules.pop(name) for name in EPROP_MODULES if name in sys.modules}
    sys.path.insert(0, EPROP_DIR)
    try:
        mods = {name: importlib.import_module(name) for name in ("models", "main")}
    finally:
        sys.path.remove(EPROP_DIR)
    yield mods
    for name in EPROP_MODULES:
        sys.modules.pop(name, None)
    sys.modules.update(saved)


@contextlib.contextmanager
def torch_dtype(dtype: str):
    """float32: eprop-PyTorch as written. float64: default dtype float64 and Tensor.float() -> default dtype."""
    import torch
    if dtype == "float32":
        yield torch.float32
        return
    old_default, old_float = torch.get_default_dtype(), torch.Tensor.float
    torch.set_default_dtype(torch.float64)
    torch.Tensor.float = lambda self, *a, **k: self.to(torch.get_default_dtype())
    try:
        yield torch.float64
    finally:
        torch.Tensor.float = old_float
        torch.set_default_dtype(old_default)


def make_srnn(models, p: EpropParams):
    import torch
    return models.SRNN(n_in=p.n_in, n_rec=p.n_rec, n_out=p.n_out, n_t=N_T, thr=p.thr, tau_m=p.tau_mem,
                       tau_o=p.tau_out, b_o=p.bias_out, gamma=p.gamma, dt=p.dt, model="LIF", classif=True,
                       w_init_gain=p.w_init_gain, lr_layer=p.lr_layer, t_crop=N_T - p.target_tick,
                       visualize=False, visualize_light=False, device=torch.device("cpu"))


def inputs():
    """Two cue-accumulation-like samples [T, 40]: cue on channels 0-9 or 10-19, recall 20-29, noise 30-39."""
    rng = np.random.default_rng(1)
    xs = []
    for label in LABELS:
        rate = np.full((N_T, PARAMS.n_in), 0.01)
        rate[20:200, 10 * label:10 * label + 10] = 0.05
        rate[PARAMS.target_tick:, 20:30] = 0.04
        xs.append((rng.random((N_T, PARAMS.n_in)) < rate).astype(np.float64))
    return xs


def torch_batch_grads(models, p: EpropParams, w: dict, xs, labels, dtype: str):
    """Run eprop-PyTorch on one batch exactly as train.do_epoch does; grads returned in our [pre, post] layout."""
    import torch
    with torch_dtype(dtype) as tdt:
        model = make_srnn(models, p)
        model.eval()
        with torch.no_grad():
            for name, ours in (("w_in", "winp"), ("w_rec", "wrec"), ("w_out", "wout")):
                getattr(model, name).data = torch.tensor(w[ours].T.copy(), dtype=tdt)
            x = torch.tensor(np.stack(xs, axis=1), dtype=tdt)                       # [T, batch, n_in]
            label = torch.tensor(labels, dtype=torch.long)[:, None].expand(-1, N_T)  # setup.py: [batch, T]
            yt = torch.zeros(label.shape).unsqueeze(-1).expand(-1, -1, p.n_out).scatter(
                2, label.unsqueeze(-1), 1.0).permute(1, 0, 2)                        # train.py one-hot
            model(x, yt, True)
        spikes = model.z.detach().numpy().copy()
        return {"winp": model.w_in.grad.numpy().T.astype(np.float64),
                "wrec": model.w_rec.grad.numpy().T.astype(np.float64),
                "wout": model.w_out.grad.numpy().T.astype(np.float64)}, spikes


def our_batch_grads(p: EpropParams, w: dict, xs, labels):
    total = {k: np.zeros(v.shape) for k, v in w.items()}
    spikes = []
    for x, label in zip(xs, labels):
        grads, _, info = eprop_gradients(p, w, x, label, record=True)
        spikes.append(info["spikes"])
        for factor, name in zip(p.lr_layer, EpropNetwork.LAYERS):
            total[name] += factor * np.asarray(grads[name], np.float64)
    return total, np.stack(spikes, axis=1)


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 5e-5)])
def test_gradients_match_eprop_pytorch(eprop_pytorch, dtype, tol):
    p = replace(PARAMS, dtype=dtype)
    w = {k: v.astype(dtype) for k, v in EpropNetwork.from_params(p).weights().items()}
    xs = inputs()
    ref, ref_spikes = torch_batch_grads(eprop_pytorch["models"], p, w, xs, LABELS, dtype)
    mine, my_spikes = our_batch_grads(p, w, xs, list(LABELS))
    np.testing.assert_array_equal(my_spikes, ref_spikes)           # identical forward pass
    assert my_spikes.sum() > 100 and my_spikes[p.target_tick:].sum() > 20
    assert np.any(np.diag(ref["wrec"]) != 0)                        # diagonal gradient is computed, not cut
    for name in EpropNetwork.LAYERS:
        scale = np.max(np.abs(ref[name]))
        assert scale > 0
        err = np.max(np.abs(mine[name] - ref[name])) / scale
        assert err < tol, f"{name}: max relative error {err:.2e} (tolerance {tol:.0e})"


def test_clean_mode_differs_from_eprop_pytorch(eprop_pytorch):
    """Sanity of the comparison itself: without pytorch_compat the input/recurrent gradients must differ."""
    p = replace(PARAMS, pytorch_compat=False)
    w = EpropNetwork.from_params(p).weights()
    xs = inputs()
    ref, _ = torch_batch_grads(eprop_pytorch["models"], p, w, xs, LABELS, "float64")
    mine, _ = our_batch_grads(p, w, xs, list(LABELS))
    np.testing.assert_allclose(mine["wout"], ref["wout"], rtol=0, atol=1e-11 * np.max(np.abs(ref["wout"])))
    for name in ("winp", "wrec"):
        assert np.max(np.abs(mine[name] - ref[name])) > 1e-3 * np.max(np.abs(ref[name]))


def test_default_params_are_main_py_defaults(eprop_pytorch, monkeypatch):
    """EpropParams() defaults equal eprop-PyTorch's main.py argparse defaults (+ setup.py cue-accumulation sizes)."""

    class Parsed(Exception):
        pass

    parsed = {}
    real_parse = argparse.ArgumentParser.parse_args

    def capture(self, args=None, namespace=None):
        parsed["args"] = real_parse(self, [])
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(Parsed):
        eprop_pytorch["main"].main()
    a = parsed["args"]
    d = EpropParams()
    assert (d.n_rec, d.thr, d.tau_mem, d.tau_out, d.bias_out, d.gamma, d.lr) == (
        a.n_rec, a.threshold, a.tau_mem, a.tau_out, a.bias_out, a.gamma, a.lr)
    assert tuple(d.w_init_gain) == tuple(a.w_init_gain) and tuple(d.lr_layer) == tuple(a.lr_layer_norm)
    assert (d.optimizer, d.batch_size) == (a.optimizer.lower(), a.batch_size)
    # setup.py CueAccumulationDataset: 40 inputs, 2 classes, 7 cues x 150 + 1200 = 2250 ticks, last 150 targeted
    assert (d.n_in, d.n_out, d.dt, d.target_tick) == (40, 2, 1e-3, 7 * 150 + 1200 - 150)
