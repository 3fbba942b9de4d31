"""Numba's on-disk cache, keyed on the whole package's source instead of each kernel's own file.

Numba invalidates a cached kernel only when the kernel's *own* source file changes, yet our kernels inline
helpers from other modules (core.fixedpoint, hw.widths, reference._common): an edit there would leave stale
machine code in use. These locators give every reckon_sim kernel one stamp, a hash of all package sources.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def package_stamp() -> str:
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


class _PackageStamp:
    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            Path(py_file).resolve().relative_to(PACKAGE)
        except (ValueError, OSError):
            return None                    # not ours: numba's own locators handle it
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return package_stamp()


class PackageUserProvidedLocator(_PackageStamp, caching.UserProvidedCacheLocator):
    pass


class PackageInTreeLocator(_PackageStamp, caching.InTreeCacheLocator):
    pass


class PackageUserWideLocator(_PackageStamp, caching.UserWideCacheLocator):
    pass


def install() -> None:
    """Put our locators first (idempotent); must run before any cached kernel is decorated."""
    ours = [PackageUserProvidedLocator, PackageInTreeLocator, PackageUserWideLocator]
    classes = caching.CacheImpl._locator_classes
    if classes[:3] != ours:
        classes[:0] = ours
