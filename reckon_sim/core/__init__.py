"""The bit-exact ReckOn machine: LFSRs, chip state, per-tick kernels and the host protocol."""
