"""Evaluations and benchmarks: datasets the project wrote, scorers, and printed figures."""
