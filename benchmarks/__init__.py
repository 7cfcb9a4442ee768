"""Benchmarks of explorer against the built-in sandbox (`python -m benchmarks.run`)."""
