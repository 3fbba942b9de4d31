"""Additive regularisation term of EPROP (srnn.v L893-894), exact integers derived by hand from the RTL expression
prob_wreg = ($signed({20'b0, trace_reg}) << K_P) >> K_R: a 32-bit shift left that drops the high bits, then a LOGICAL
shift right (Verilog `>>`, zero fill, IEEE 1364 §5.1.12). Verilator 5.006 sign-fills that `>>` when bit 31 of the
shifted value is set (its C++ shifts the 16-bit storage of trace_reg as a promoted signed int); Icarus and the
standard zero-fill, and the model follows the standard (tools/rtl/README.md, "Known simulator issue")."""
import numpy as np
import pytest

from reckon_sim.config import ChipConfig
from reckon_sim.core.datapath import datapath, register_overrides
from reckon_sim.core.kernels_eprop import _lane_terms
from reckon_sim.core.records import Registers
from reckon_sim.hw.widths import RECKON

# the corner found by the coverage suite (seed 1, set 15): K_INP_P = 28, K_INP_R = 3
REGS = dict(SPI_REGUL_MODE=2, SPI_REGUL_W=3, SPI_REGUL_F0=11, SPI_REGUL_K_INP_P=28, SPI_REGUL_K_INP_R=3,
            SPI_REGUL_K_REC_P=28, SPI_REGUL_K_REC_R=0, SPI_REGUL_K_MUL=8)
TRACE_REG = [11, 12, 15, 0, 1, 4095, 5, 16, 0, 0, 0, 0, 0, 0, 0, 0]


def _reg_a(k_p, k_r, treg):
    cfg = ChipConfig.from_preset("reckon-tbench").with_registers(**REGS)
    regs = {**cfg.registers, **register_overrides(RECKON, cfg.registers)}
    z = np.zeros(16, np.int64)
    coef, reg_a, scale, active = (np.zeros(16, np.int64) for _ in range(4))
    n_act = _lane_terms(Registers.from_dict(regs), datapath(RECKON, cfg.registers), z, z,
                        np.array(treg, np.int64), False, True, k_p, k_r, coef, reg_a, scale, active)
    return reg_a.tolist(), active[:n_act].tolist()


def test_additive_regul_right_shift_is_logical():
    reg_a, active = _reg_a(28, 3, TRACE_REG)
    # 11 << 28 = 0xB000_0000 (bit 31 set), >> 3 zero-filled = 0x1600_0000 (Verilator 5.006: 0xF600_0000 = -167772160)
    assert reg_a[:8] == [0x16000000, 0x18000000, 0x1E000000, 0, 0x02000000, 0x1E000000, 0x0A000000, 0]
    assert reg_a[:3] == [369098752, 402653184, 503316480]
    assert active == [0, 1, 2, 4, 5, 6]                 # 16 << 28 drops out of 32 bits: lane 7 is inactive


def test_additive_regul_without_right_shift_wraps_to_negative():
    reg_a, _ = _reg_a(28, 0, TRACE_REG)
    # K_R = 0: the signed 32-bit value itself, so bit 31 makes it negative (the term then raises the weight)
    assert reg_a[:8] == [-0x50000000, -0x40000000, -0x10000000, 0, 0x10000000, -0x10000000, 0x50000000, 0]


@pytest.mark.parametrize("k_p,k_r,treg,want", [(20, 1, 2048, 0x40000000), (31, 5, 1, 0x04000000),
                                               (0, 31, 4095, 0), (19, 0, 4095, 0x7FF80000)])
def test_additive_regul_shift_edges(k_p, k_r, treg, want):
    assert _reg_a(k_p, k_r, [treg] + [0] * 15)[0][0] == want
