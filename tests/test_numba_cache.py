"""Cached kernels are keyed on the whole package's source, so editing an inlined helper in another module
(core.fixedpoint, hw.widths) can never leave stale machine code in use."""
from reckon_sim import _numba_cache
from reckon_sim.core import kernels, kernels_eprop, sample_kernel
from reckon_sim.reference import eprop


def test_every_kernel_uses_the_package_stamp():
    for dispatcher in (kernels.step_phase, kernels_eprop.eprop_phase, sample_kernel.run_sample_kernel,
                       eprop._eprop_kernel):
        impl = dispatcher._cache._impl
        assert isinstance(impl.locator, _numba_cache._PackageStamp), type(impl.locator)
        assert impl.locator.get_source_stamp() == _numba_cache.package_stamp()


def test_stamp_covers_helper_modules(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "fixedpoint.py").write_text("x = 1\n")
    (pkg / "core" / "sample_kernel.py").write_text("y = 1\n")
    monkeypatch.setattr(_numba_cache, "PACKAGE", pkg)
    _numba_cache.package_stamp.cache_clear()
    before = _numba_cache.package_stamp()
    (pkg / "core" / "fixedpoint.py").write_text("x = 2\n")
    _numba_cache.package_stamp.cache_clear()
    assert _numba_cache.package_stamp() != before
    _numba_cache.package_stamp.cache_clear()
