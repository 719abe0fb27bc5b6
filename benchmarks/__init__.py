"""Benchmarks: `make bench` (python -m benchmarks) prints figures; tests never time anything.

`python -m benchmarks.worker_start [N]` times N workers' starts alone (fork, walls, hello, one ping).
"""
