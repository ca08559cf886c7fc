"""Gradstep's window. Importing this package does not import Qt: the console script's
headless commands go through :mod:`gui.main` without it."""
