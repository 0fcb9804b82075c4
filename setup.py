"""Build of the one compiled part of neurovision: the tau-a radix kernel ``neurovision/rsa/_tau.c``.

Everything else is declared in setup.cfg. The kernel is loaded with ctypes (no Python C API); it is compiled
for the baseline instruction set, and its AVX-512 paths are compiled with function attributes and chosen at
run time. Without a C compiler the build still succeeds (``optional=True``) and neurovision falls back to
its numba kernels (``neurovision.rsa._tau_native.AVAILABLE`` is then False).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("neurovision.rsa._tau_c", ["neurovision/rsa/_tau.c"],
                             extra_compile_args=["-O3", "-std=c11"], optional=True)])
