"""Seeded random initial weights modelled on the stock ReckOn files (``init_rand_weights_*_cueAcc.dat``).

The stock files look like rounded zero-mean Gaussians (excess kurtosis ~0 for all three) whose standard
deviation scales as 1/sqrt(fan-in):

=========  ===========  =======  ===========  ================================  ========
matrix     shape        fan-in   range        std (rounding variance removed)   gain
=========  ===========  =======  ===========  ================================  ========
winp       40 x 100     40       -55..49      14.23                             90.0
wrec       100 x 100    100      -6..8        1.81 (off-diagonal; diagonal = 0) 18.1
wout       100 x 2      100      -33..20      9.43                              94.3
=========  ===========  =======  ===========  ================================  ========

with gain = std * sqrt(fan-in). :func:`generate_initial_weights` uses exactly that rule (defaults 90, 18, 94).
"""
from __future__ import annotations

import numpy as np

from reckon_sim.errors import InputError

__all__ = ["generate_initial_weights", "GAIN_INP", "GAIN_REC", "GAIN_OUT"]

# std * sqrt(fan_in) fitted to the stock files (table above).
GAIN_INP = 90.0
GAIN_REC = 18.0
GAIN_OUT = 94.0


def _rounded_gaussian(rng: np.random.Generator, shape: tuple[int, int], std: float) -> np.ndarray:
    """int8 round-half-to-even(N(0, std^2)), clipped to -128..127 (int8 saturation, as the chip stores bytes)."""
    return np.clip(np.rint(rng.normal(0.0, std, size=shape)), -128, 127).astype(np.int8)


def generate_initial_weights(n_inp: int, n_rec: int, n_out: int, seed: int | np.random.SeedSequence,
                             gain_inp: float = GAIN_INP, gain_rec: float = GAIN_REC, gain_out: float = GAIN_OUT,
                             zero_rec_diagonal: bool = True) -> dict[str, np.ndarray]:
    """Random int8 weights ``dict(winp=[n_inp, n_rec], wrec=[n_rec, n_rec], wout=[n_rec, n_out])``.

    Rule (all from ``numpy.random.default_rng(seed)``, drawn in the order winp, wrec, wout, each row-major
    with the presynaptic index outermost, i.e. the file line order):

    * ``winp = clip(rint(N(0, (gain_inp / sqrt(n_inp))^2)), -128, 127)``   (stock: std 14.2 for 40 inputs)
    * ``wrec = clip(rint(N(0, (gain_rec / sqrt(n_rec))^2)), -128, 127)``   (stock: std 1.8 for 100 neurons);
      the diagonal (self-connections) is then set to 0 if ``zero_rec_diagonal`` (stock: all 0). The diagonal
      values are drawn either way, so the off-diagonal weights do not depend on that flag.
    * ``wout = clip(rint(N(0, (gain_out / sqrt(n_rec))^2)), -128, 127)``   (stock: std 9.4 for 100 neurons)

    ``rint`` rounds half to even. With the defaults and 40/100/2 neurons the value ranges come out like the
    stock files (about ±55, ±8, ±30).
    """
    for name, n in (("n_inp", n_inp), ("n_rec", n_rec), ("n_out", n_out)):
        if not 1 <= n <= 256:
            raise InputError("generate_initial_weights", f"field '{name}' = {n} out of range 1..256")
    for name, g in (("gain_inp", gain_inp), ("gain_rec", gain_rec), ("gain_out", gain_out)):
        if not g >= 0:
            raise InputError("generate_initial_weights", f"field '{name}' = {g} out of range >= 0")
    rng = np.random.default_rng(seed)
    winp = _rounded_gaussian(rng, (n_inp, n_rec), gain_inp / np.sqrt(n_inp))
    wrec = _rounded_gaussian(rng, (n_rec, n_rec), gain_rec / np.sqrt(n_rec))
    wout = _rounded_gaussian(rng, (n_rec, n_out), gain_out / np.sqrt(n_rec))
    if zero_rec_diagonal:
        np.fill_diagonal(wrec, 0)
    return {"winp": winp, "wrec": wrec, "wout": wout}
