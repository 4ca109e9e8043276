"""plua2's benchmarks: `python -m bench` runs them all (docs/benchmarks.md)."""
