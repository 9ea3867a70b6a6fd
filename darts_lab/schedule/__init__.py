"""When architecture steps happen: alternate (DARTS), constant (CS-k), fimt (DARTS-PRIME)."""
