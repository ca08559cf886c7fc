"""Explanations: the chain rule of one parameter and worked examples."""
