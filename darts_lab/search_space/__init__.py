"""Search spaces: supernets that mix candidate ops with weights they are given."""
