"""Benchmarks for 公报问答: `python -m bench` (see bench/run.py and the README's Benchmarks section)."""
