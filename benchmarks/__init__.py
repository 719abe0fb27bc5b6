"""Benchmarks: `make bench` (python -m benchmarks) prints figures; tests never time anything."""
