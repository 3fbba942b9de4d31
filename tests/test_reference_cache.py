"""The float references' kernels take NamedTuple records, which Numba caches: a second process compiles nothing."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN_KERNELS = """
import json
import numpy as np
from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.reference import bptt, chip_float_kernel, eprop
from reckon_sim.reference.chip_float import ChipFloat
from reckon_sim.reference.eprop import EpropNetwork, EpropParams

cfg = ChipConfig.from_preset("reckon-tbench").with_registers(SPI_NUM_INP_NEUR=3, SPI_NUM_REC_NEUR=5, TARGET_TICK=6)
sample = Sample(np.array([[0, 1], [2, 3]], np.int32), 1, 10, 2)
ChipFloat.from_config(cfg, np.ones((4, 6)), np.ones((6, 6)), np.ones((6, 2)), record=True).run_sample(sample, True)
params = EpropParams(n_in=4, n_rec=6, target_tick=6)
EpropNetwork.from_params(params).run_sample(sample, True)
bptt.compare_eprop_bptt(params, EpropNetwork.from_params(params).weights(), np.eye(10, 4), 1)
kernels = (chip_float_kernel.run_chip_float_sample, eprop._eprop_kernel, bptt._forward_record, bptt._backward)
print(json.dumps({k.__name__: [sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())]
                  for k in kernels}))
"""


def test_a_second_process_loads_every_reference_kernel_from_the_cache():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(2):                                # the first run fills the cache if this source is new
        out = subprocess.run([sys.executable, "-c", RUN_KERNELS], env=env, capture_output=True, text=True,
                             check=True).stdout
    stats = json.loads(out.splitlines()[-1])
    assert all(hits >= 1 and misses == 0 for hits, misses in stats.values()), stats
