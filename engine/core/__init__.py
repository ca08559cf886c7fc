"""Stages and numerics: activations, losses, the forward and backward pass, records."""
