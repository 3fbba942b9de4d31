"""NPZ files that are byte-identical for identical arrays: numpy's savez stamps every member with the current time."""
from __future__ import annotations

import zipfile

import numpy as np
from numpy.lib import format as npy_format

FIXED_TIME = (1980, 1, 1, 0, 0, 0)      # the earliest time a zip member can carry


def save_npz(path, arrays: dict, compress: bool = False) -> None:
    """Like np.savez / np.savez_compressed (np.load reads it back), members in the given order with a fixed time."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fh:
                npy_format.write_array(fh, np.asanyarray(value), allow_pickle=False)
