"""When architecture steps happen: alternate (DARTS)."""
