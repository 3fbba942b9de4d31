"""Float references of ReckOn's learning, behind the chip model's interface (run_sample, weights, from_config).

* :mod:`.eprop`      — e-prop (eprop-PyTorch semantics, online Numba kernel): EpropNetwork, eprop_gradients;
  hyper-parameters in :mod:`.eprop_params` (EpropParams), optimisers in :mod:`.optim`
* :mod:`.alif`       — the general network (ALIF / mixed LIF+ALIF, refractoriness, regression, rate regulariser) and
  its e-prop kernel with the two-component ALIF eligibility (wrapper :mod:`.eprop_general`)
* :mod:`.bptt`       — exact BPTT adjoints used to verify e-prop: bptt_gradients (general network: :mod:`.bptt_alif`)
* :mod:`.chip_float` — the chip's rule (reckon-spec §7-§11) in float, expected-value updates: ChipFloat
  (its Numba kernel and records: :mod:`.chip_float_kernel`)
"""
from .bptt import bptt_gradients, compare_eprop_bptt
from .chip_float import ChipFloat, ChipFloatParams
from .eprop import EpropNetwork, EpropParams, eprop_gradients

__all__ = ["EpropNetwork", "EpropParams", "eprop_gradients", "bptt_gradients", "compare_eprop_bptt",
           "ChipFloat", "ChipFloatParams"]
