"""Architecture parameters (storage) and their activations."""
