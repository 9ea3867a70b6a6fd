"""What a search writes: genotype/alphas JSON, status, figures."""
