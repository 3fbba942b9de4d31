"""tools/rtl: the self-checking bench against our pin-compatible replay DUT (never the ReckOn RTL).

The replay DUT must PASS; deliberately wrong variants (a flipped weight, a wrong OUT_DATA, a tick one cycle
too long) must FAIL with the first mismatch named. Each simulator is skipped when it is not installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reckon_sim.vectors import write_vectors

from .test_vectors import small_spec

RTL = Path(__file__).resolve().parents[1] / "tools" / "rtl"
BENCH, REPLAY = RTL / "reckon_vec_tb.sv", RTL / "reckon_replay.sv"
FAULTS = {  # +replay_corrupt code -> text the bench must print for the first failing sample (sample 1)
    1: "first mismatch at wrec SRAM word 0x0 quarter 0",
    2: "OUT_DATA item 0: read",
    3: "cycles: 1 ticks differ; first tick 5",
    4: "= output membrane 1: read 1, expected 0",
}


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


@pytest.fixture(scope="module")
def vec(tmp_path_factory):
    out = tmp_path_factory.mktemp("rtlvec")
    write_vectors(out, small_spec())
    return out


def icarus_replay_bench(build: Path) -> list:
    """The bench with the replay DUT compiled by Icarus into `build`; the command that runs it."""
    need("iverilog")
    subprocess.run(["iverilog", "-g2012", "-DDUT_MODULE=reckon_replay", "-s", "reckon_vec_tb", f"-I{RTL}", "-o",
                    str(build / "tb.vvp"), str(BENCH), str(REPLAY)], check=True, capture_output=True, text=True)
    return ["vvp", "-n", str(build / "tb.vvp")]


@pytest.fixture(scope="module")
def icarus(tmp_path_factory):
    return icarus_replay_bench(tmp_path_factory.mktemp("icarus"))


@pytest.fixture(scope="module")
def verilator(tmp_path_factory):
    need("verilator")
    build = tmp_path_factory.mktemp("verilator")
    r = subprocess.run(["verilator", "--binary", "--timing", "+define+DUT_MODULE=reckon_replay", "--top-module",
                        "reckon_vec_tb", f"-I{RTL}", "-Mdir", str(build), "-o", "tb", str(BENCH), str(REPLAY)],
                       capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": "-j4"})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return [str(build / "tb")]


def run(cmd: list[str], vec: Path, *plus: str, status: int | None = None) -> str:
    """The bench's output; with `status` 0 the bench must exit 0, with 1 it must exit non-zero (a FAIL)."""
    r = subprocess.run([*cmd, f"+vec={vec}", *plus], capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    if status is not None:
        assert (r.returncode == 0) == (status == 0), f"exit status {r.returncode}: {out[-2000:]}"
    return out


def check_pass_and_faults(cmd: list[str], vec: Path) -> None:
    out = run(cmd, vec, status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in out, out
    assert out.count(": PASS  out_data") == 3
    for code, text in FAULTS.items():
        out = run(cmd, vec, f"+replay_corrupt={code}", "+replay_corrupt_sample=1", status=1)
        assert "RESULT: FAIL" in out, out
        first_fail = out[out.index("sample 0001"):]
        assert first_fail.startswith("sample 0001 (epoch 0 train #1, 30 ticks): FAIL"), out
        assert text in first_fail, out
        assert "sample 0000 (epoch 0 train #0, 30 ticks): PASS" in out


def test_bench_on_replay_dut_icarus(icarus, vec):
    check_pass_and_faults(icarus, vec)


def test_bench_on_replay_dut_verilator(verilator, vec):
    check_pass_and_faults(verilator, vec)


def test_bench_reports_weight_as_pre_post(icarus, vec):
    out = run(icarus, vec, "+replay_corrupt=1", "+replay_corrupt_sample=0")
    assert "= Wrec[pre 0][post 1]: read" in out and "1 of" in out


def test_bench_without_vectors_fails_cleanly(icarus, tmp_path):
    out = run(icarus, tmp_path, status=1)       # the replay DUT or the bench notices first: either way no PASS
    assert "RESULT: PASS" not in out and ("cannot open" in out or "missing vector file" in out), out


def test_lint_verilator():
    need("verilator")
    r = subprocess.run(["verilator", "--lint-only", "--timing", "+define+DUT_MODULE=reckon_replay", "--top-module",
                        "reckon_vec_tb", f"-I{RTL}", str(BENCH), str(REPLAY)], capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr and "%Error" not in r.stderr, r.stderr


def test_run_sh_exit_status(vec, tmp_path):
    need("iverilog")
    env = {**os.environ, "VEC": str(vec), "SIM": "icarus", "TOP": "reckon_replay", "BUILD": str(tmp_path / "b")}
    ok = subprocess.run([str(RTL / "run.sh"), str(REPLAY)], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "RESULT: PASS" in ok.stdout, ok.stdout + ok.stderr
    bad = subprocess.run([str(RTL / "run.sh"), str(REPLAY), "--", "+replay_corrupt=2"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "RESULT: FAIL" in bad.stdout
    assert bad.stderr.count("reusing the build") == 1          # same sources, simulator and TOP: no rebuild
    copy = tmp_path / "replay_copy.sv"
    copy.write_text(REPLAY.read_text() + "\n// changed\n")
    rebuilt = subprocess.run([str(RTL / "run.sh"), str(copy)], env=env, capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0 and "reusing" not in rebuilt.stderr, rebuilt.stdout + rebuilt.stderr
    usage = subprocess.run([str(RTL / "run.sh")], env={**env, "VEC": ""}, capture_output=True, text=True)
    assert usage.returncode == 2 and "VEC=DIR" in usage.stderr


def cocotb_module():
    """tools/rtl/test_cocotb_reckon.py as a module (skips without cocotb or Icarus)."""
    pytest.importorskip("cocotb")
    need("iverilog")
    import importlib.util
    spec = importlib.util.spec_from_file_location("test_cocotb_reckon", RTL / "test_cocotb_reckon.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cocotb_module(vec, tmp_path):
    mod = cocotb_module()
    assert mod.run_cocotb(vec, [REPLAY], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "ok")
    assert not mod.run_cocotb(vec, [REPLAY], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "bad",
                              plusargs=["+replay_corrupt=1", "+replay_corrupt_sample=2"])


@pytest.fixture(scope="module")
def vec_spt(tmp_path_factory):
    """small_spec with SEND_PER_TIMESTEP = 1 and every output membrane sent: 4 OUT_DATA items per tick."""
    from dataclasses import replace
    spec = small_spec()
    out = tmp_path_factory.mktemp("rtlvec_spt")
    write_vectors(out, replace(spec, config=spec.config.with_registers(SPI_SEND_PER_TIMESTEP=1,
                                                                      SPI_SEND_LABEL_ONLY=0)))
    return out


def test_bench_checks_per_tick_send_on_replay_dut(icarus, vec_spt):
    """Per-tick SEND: the bench acknowledges and checks 4 items in each of ticks 2..29 and excludes their
    6 x 4 - 2 = 22 SEND cycles; a wrong item in tick 3 of sample 1 is a FAIL naming that tick."""
    assert (vec_spt / "expect" / "send_0001.hex").read_text().splitlines()[1].split()[:2] == ["3", "4"]
    out = run(icarus, vec_spt, status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in out, out
    out = run(icarus, vec_spt, "+replay_corrupt=5", "+replay_corrupt_sample=1", status=1)
    assert "tick 3 OUT_DATA: 4 items (expected 4), item 0 read" in out, out
    assert "per-tick OUT_DATA: 1 ticks differ; first tick 3" in out, out
    assert "sample 0000 (epoch 0 train #0, 30 ticks): PASS" in out


@pytest.fixture(scope="module")
def vec_probe(tmp_path_factory):
    """small_spec with a per-tick state probe (a CONFIG visit reading every neuron word and output) every 4 ticks."""
    from reckon_sim.core.host import HostSpec
    out = tmp_path_factory.mktemp("rtlvec_probe")
    write_vectors(out, small_spec(), None, HostSpec(config_every=4))
    return out


def check_probes(cmd: list[str], vec_probe: Path, vec: Path) -> None:
    """Probed run PASSes with every read word checked; one wrong trace_inp word in tick 5 of sample 1 names the
    tick, neuron 2 and the field; +probe on vectors without visits is a FAIL."""
    visits = (vec_probe / "expect" / "config_reads.hex").read_text().splitlines()
    assert [v.split()[:2] for v in visits[:8]] == [["0", "5"], ["0", "9"], ["0", "d"], ["0", "11"], ["0", "15"],
                                                   ["0", "19"], ["0", "1d"], ["1", "5"]]
    assert len(visits) == 21
    n_words = int(visits[0].split()[2], 16)
    out = run(cmd, vec_probe, "+probe_every=4", status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in out, out
    assert out.count(f"CONFIG read-back: 0 of {7 * n_words} words differ (live words in CONFIG)") == 3, out
    out = run(cmd, vec_probe, "+probe", "+replay_corrupt=6", "+replay_corrupt_sample=1", status=1)
    assert "sample 0000 (epoch 0 train #0, 30 ticks): PASS" in out, out
    assert f"CONFIG read-back: 1 of {7 * n_words} words differ" in out, out
    assert "probe: first divergent tick 5, neuron 2, field trace_inp (neuron word 1 bit 16)" in out, out
    out = run(cmd, vec_probe, "+probe_every=3", status=1)
    assert "+probe_every=3: a CONFIG visit in tick 5" in out, out
    out = run(cmd, vec, "+probe", status=1)
    assert "+probe: no CONFIG visits in the vectors" in out, out


def test_probes_on_replay_dut_icarus(icarus, vec_probe, vec):
    check_probes(icarus, vec_probe, vec)


def test_probes_on_replay_dut_verilator(verilator, vec_probe, vec):
    check_probes(verilator, vec_probe, vec)
