"""One physical description for the chip and the float references: physical units -> register words (fxpmath).

A preset may carry a ``[physical]`` table (quantities both models use) and a ``[float]`` table (options of the float
references only); ``--set key=value`` on the CLI takes keys of both. The chip loader converts ``[physical]`` to
register words, truncating like the stock presets (tau 2000 ms -> alpha 0x7FEF, tau_out 20 ms -> KAPPA 0x79,
thr 0.6 -> 614); raw register words in the same preset win over the physical field (``--set`` wins over both).
The float references read the unquantised values (or, where a raw word won, what the word means), so ``curves``
runs chip and float on the same dynamics.

Scales (dt = one chip tick): alpha = exp(-dt/tau_mem) as unsigned 1.15 (spec §3.1: MSBs 0x7 or 0x8 -> tau_mem >=
7.49 ms or inf), KAPPA = exp(-dt/tau_out) as unsigned 1.7; a float weight of 1.0 is 128 LSB integrated << 3, so a
float membrane unit is 1024 chip LSB and NEUR_THR = thr as signed 6.10; a chip learning rate lr_* is the expected
LSB change per unit of the update product, 2^(LR_P - LR_R - WIDTH) (WIDTH 32 input/recurrent, 28 output, §11.6).

The layer below config.ChipConfig (which reads presets through it): functions taking `config` take a ChipConfig.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import NamedTuple

from fxpmath import Fxp

from .errors import InputError


NUMBER, INTEGER = "number", "integer"
PHYSICAL_KEYS = {"dt_ms": NUMBER, "tau_mem_ms": NUMBER, "tau_out_ms": NUMBER, "thr": NUMBER,
                 "lr_winp": NUMBER, "lr_wrec": NUMBER, "lr_wout": NUMBER}
FLOAT_KEYS = {"neuron": ("lif", "alif"), "n_adaptive": INTEGER, "tau_adapt_ms": NUMBER, "beta_adapt": NUMBER,
              "refractory_ms": NUMBER, "readout": ("classification", "regression"),
              "feedback": ("symmetric", "random", "adaptive"), "optimizer": ("adam", "sgd", "nesterov", "rmsprop"),
              "lr": NUMBER, "momentum": NUMBER, "batch_size": INTEGER, "gamma": NUMBER, "reg_rate": NUMBER,
              "reg_target_hz": NUMBER,
              # ChipFloat's two options (the chip's rule in float): floor like the chip without stochastic
              # rounding instead of expected values, and the chip's saturations
              "chip_float_rounding": ("expected", "floor"), "chip_float_saturate": ("off", "on")}
CHIP_FLOAT_KEYS = ("chip_float_rounding", "chip_float_saturate")
LR_WIDTH = {"lr_winp": ("WINP", 32), "lr_wrec": ("WREC", 32), "lr_wout": ("WOUT", 28)}
ALL_ONES_128 = (1 << 128) - 1


class Quantised(NamedTuple):
    """One physical value as the chip holds it: register word(s) and the value they mean."""

    key: str
    value: float
    words: dict            # register/config field -> word
    quantised: float
    rel_error: float       # (quantised - value) / value


def _check(where: str, key: str, value, kind):
    """A validated value of a physical/float key (numbers > 0 except thr, gamma >= 0, ...)."""
    if isinstance(kind, tuple):
        if value not in kind:
            raise InputError(where, f"field '{key}' = {value!r} not allowed (allowed: {', '.join(kind)})")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == INTEGER and
                                                                         not float(value).is_integer()):
        raise InputError(where, f"field '{key}' = {value!r} is not {'an integer' if kind == INTEGER else 'a number'}")
    if key != "thr" and not (value >= 0 if key in ("n_adaptive", "beta_adapt", "refractory_ms", "gamma",
                                                  "reg_rate", "reg_target_hz", "momentum", "lr") else value > 0):
        raise InputError(where, f"field '{key}' = {value!r} out of range (must be "
                                f"{'> 0' if key in PHYSICAL_KEYS or key in ('tau_adapt_ms', 'batch_size') else '>= 0'})")
    return int(value) if kind == INTEGER else float(value)


def quantise(key: str, value: float, dt_ms: float = 1.0, where: str = "physical") -> Quantised:
    """The register word(s) of one physical value (truncation, fxpmath), the value they mean and its error."""
    if key == "tau_mem_ms":
        word = int(Fxp(math.exp(-dt_ms / value), signed=False, n_word=16, n_frac=15, rounding="trunc").val)
        if word < 0x7000:
            raise InputError(where, f"field 'tau_mem_ms' = {value} out of range: alpha {math.exp(-dt_ms / value):.4f}"
                                    f" < 0.875, the smallest alpha word (tau_mem_ms >= {-dt_ms / math.log(0.875):.2f})")
        words = {"NEUR_ALPHA_LSB": word & 0xFFF, "SPI_ALPHA_CONF": ALL_ONES_128 if word >> 12 == 0x8 else 0}
        tau = math.inf if word == 0x8000 else -dt_ms / math.log(word / 32768)
    elif key == "tau_out_ms":
        word = int(Fxp(math.exp(-dt_ms / value), signed=False, n_word=8, n_frac=7, rounding="trunc").val)
        words, tau = {"SPI_KAPPA": word}, (math.inf if word == 128 else
                                            -dt_ms / math.log(word / 128) if word else 0.0)
    elif key == "thr":
        word = Fxp(value, signed=True, n_word=16, n_frac=10, rounding="trunc")
        if not -32 <= value < 32:
            raise InputError(where, f"field 'thr' = {value} out of range -32..31.999 (NEUR_THR signed 6.10)")
        words, tau = {"NEUR_THR": int(word.val)}, int(word.val) / 1024
    elif key in LR_WIDTH:
        layer, width = LR_WIDTH[key]
        e = round(math.log2(value)) + width
        if not -31 <= e <= 31:
            raise InputError(where, f"field '{key}' = {value} out of range 2^{-31 - width}..2^{31 - width}")
        words, tau = {f"SPI_LR_P_{layer}": max(e, 0), f"SPI_LR_R_{layer}": max(-e, 0)}, 2.0 ** (e - width)
    else:
        raise KeyError(key)
    return Quantised(key, value, words, tau, 0.0 if tau == value else (tau - value) / value)


def physical_registers(physical: dict, float_opts: dict, where: str) -> tuple[dict, dict, list[Quantised]]:
    """Validated ([physical], [float]) tables -> (register words, the merged description, quantisation report)."""
    desc = {}
    for table, keys in ((physical, PHYSICAL_KEYS), (float_opts, FLOAT_KEYS)):
        for key, value in table.items():
            if key not in keys:
                raise InputError(where, f"unknown field '{key}' (allowed: {', '.join(keys)})")
            desc[key] = _check(where, key, value, keys[key])
    dt_ms = desc.get("dt_ms", 1.0)
    report = [quantise(k, desc[k], dt_ms, where) for k in PHYSICAL_KEYS if k in desc and k != "dt_ms"]
    words = {name: w for q in report for name, w in q.words.items()}
    return words, desc, report


def check_sizes(desc: dict, n_rec: int, where: str) -> None:
    """The one check a float option needs the network size for: n_adaptive <= n_rec."""
    if desc.get("n_adaptive", 0) > n_rec:
        raise InputError(where, f"field 'n_adaptive' = {desc['n_adaptive']} out of range (must be <= n_rec = {n_rec})")


def parse_settings(items) -> tuple[dict, dict]:
    """`--set key=value` items -> ([physical], [float]) tables; numbers parse as numbers, 'inf' as infinity."""
    physical, float_opts = {}, {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in PHYSICAL_KEYS and key not in FLOAT_KEYS:
            raise InputError("--set", f"'{item}': expected key=value with key one of "
                                      f"{', '.join([*PHYSICAL_KEYS, *FLOAT_KEYS])}")
        value: object = text.strip()
        for cast in (int, float):
            try:
                value = cast(text)
                break
            except ValueError:
                pass
        (physical if key in PHYSICAL_KEYS else float_opts)[key] = value
    return physical, float_opts


def apply_settings(config, items):
    """The config with `--set` items applied: their register words override the preset's (raw words too)."""
    physical, float_opts = parse_settings(items)
    if not physical and not float_opts:
        return config
    words, desc, _ = physical_registers(physical, float_opts, "--set")
    check_sizes(desc, config.n_rec, "--set")
    return replace(config.with_registers(**words), physical={**config.physical, **desc})


def quantisation_report(config) -> list[Quantised]:
    """What the config's physical values became on the chip."""
    desc = config.physical
    return [quantise(k, desc[k], desc.get("dt_ms", 1.0)) for k in PHYSICAL_KEYS if k in desc and k != "dt_ms"]


FLOAT_DEFAULTS = {"tau_mem_ms": 2000.0, "tau_out_ms": 20.0, "thr": 0.6}    # EpropParams' (eprop-PyTorch's)


def word_meanings(config, dt_ms: float = 1.0) -> dict:
    """tau_mem_ms / tau_out_ms / thr that the chip's words of pair 0 mean (alpha > 1.0 has no tau: left out)."""
    alpha, kappa = int(config.alpha_words()[0]), config.registers["SPI_KAPPA"]
    out = {"thr": int(config.neur_thr[0]) / 1024}
    if 0 < alpha <= 0x8000:
        out["tau_mem_ms"] = math.inf if alpha == 0x8000 else -dt_ms / math.log(alpha / 32768)
    if 0 < kappa <= 0x80:
        out["tau_out_ms"] = math.inf if kappa == 0x80 else -dt_ms / math.log(kappa / 128)
    return out


def float_options(config) -> dict:
    """EpropParams fields of the config's description (seconds, ticks); regression follows SPI_REGRESSION.

    tau_mem_ms, tau_out_ms, thr: the physical value (or EpropParams' default) when the chip's word is its
    quantisation, else the value the chip's word means (raw words win, for the float model too)."""
    desc = config.physical
    dt_ms = desc.get("dt_ms", 1.0)
    out = {"dt": dt_ms / 1000} if "dt_ms" in desc else {}
    meanings = word_meanings(config, dt_ms)
    physical = {}
    for key, default in FLOAT_DEFAULTS.items():
        value = desc.get(key, default)
        if key in meanings and quantise(key, value, dt_ms).quantised != meanings[key]:
            value = meanings[key]
        if key in desc or value != default:
            physical[key] = value
    if "tau_adapt_ms" in desc:
        physical["tau_adapt_ms"] = desc["tau_adapt_ms"]
    for key, field_name in (("tau_mem_ms", "tau_mem"), ("tau_out_ms", "tau_out"), ("tau_adapt_ms", "tau_adapt")):
        if key in physical:
            out[field_name] = physical[key] / 1000
    if "thr" in physical:
        out["thr"] = physical["thr"]
    if "refractory_ms" in desc:
        out["refractory"] = int(round(desc["refractory_ms"] / dt_ms))
    out.update({k: v for k, v in desc.items() if k in FLOAT_KEYS and not k.endswith("_ms")
                and k not in CHIP_FLOAT_KEYS})
    if config.registers.get("SPI_REGRESSION") and "readout" not in desc:
        out["readout"] = "regression"
    return out
