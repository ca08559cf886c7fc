"""Keep glibc from returning heap memory to the system after every iteration.

A training loop frees and reallocates the same few megabytes every iteration. With glibc's
default top pad, the top of the heap is trimmed and grown again each time and every page is
faulted in anew, which made a 64-128-128-10 run about 1.8 times slower than it needs to be
(see benchmarks/engine_bench.py). A 64 MiB top pad keeps those pages. Process-wide and
harmless elsewhere; a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TOP_PAD = -2
_TOP_PAD_BYTES = 64 * 1024 * 1024
_done = False


def tune() -> bool:
    """Set glibc's M_TOP_PAD once per process; returns whether it applied."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_TOP_PAD, _TOP_PAD_BYTES))
    return _done
