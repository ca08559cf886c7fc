"""Tabs that inspect the session: layer matrices, loss curve, decision boundary, gradient norms."""

from gui.inspector.panel import Inspector
from gui.inspector.plots import GRID_STEPS

__all__ = ["GRID_STEPS", "Inspector"]
