"""io/npz.py: NPZ files readable by np.load and byte-identical for identical arrays."""
from __future__ import annotations

import time

import numpy as np
import pytest

from reckon_sim.io.npz import save_npz


@pytest.mark.parametrize("compress", [False, True])
def test_npz_round_trip_and_byte_identical(tmp_path, compress):
    arrays = {"u": np.arange(-5, 5, dtype=np.int16), "w": np.eye(3, dtype=np.int8), "k": np.int64(7)}
    save_npz(tmp_path / "a.npz", arrays, compress)
    time.sleep(2.1)                        # zip times have a 2 s resolution: np.savez would now differ
    save_npz(tmp_path / "b.npz", arrays, compress)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz") as z:
        assert list(z.keys()) == ["u", "w", "k"]
        assert z["u"].dtype == np.int16 and np.array_equal(z["u"], arrays["u"])
        assert np.array_equal(z["w"], arrays["w"]) and int(z["k"]) == 7
