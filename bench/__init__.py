"""Benchmarks for credbridge: ``python -m bench`` (or ``make bench``) writes BENCHMARKS.md.

See ``bench/README.md`` for what each benchmark measures and how to read the numbers.
"""
