"""Terms added to the architecture loss: none."""
