"""Oracles: benchmarks that know the true accuracy of a search space's architectures."""
