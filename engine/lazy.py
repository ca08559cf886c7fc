"""Names a package hands out but imports on first use (PEP 562), so importing the package stays
cheap: the window's launch imports ``engine`` and ``engine.learner.debug``, and neither the
chain rule's explainer nor the debugger."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, namespace: dict[str, Any], defined_in: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``defined_in`` is imported from
    the module it maps to on first use, then kept in ``namespace`` (the package's globals)."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        module = defined_in.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
