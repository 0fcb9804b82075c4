"""Benchmarks: data + metric + ceiling, each ``benchmark(model) -> Score``, in a plain registry."""
from .registry import BENCHMARKS, UnknownBenchmarkError, load_benchmark

__all__ = ["BENCHMARKS", "UnknownBenchmarkError", "load_benchmark"]
