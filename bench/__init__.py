"""Benchmarks of caseflow and their data generators (not run as tests)."""
