"""Terms added to the architecture loss: none, proximity (DARTS-PRIME), admm (DARTS-PRIME S1.2)."""
