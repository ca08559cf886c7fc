"""How many threads the BLAS behind NumPy's matrix products may use.

Gradstep's networks are small: a product of a 16-row batch with a 784x128 matrix takes tens of
microseconds, too little to split across threads. OpenBLAS's worker threads then spin while
they wait, and fight the interpreter, the window's own thread and whatever else the desktop
runs. On the 2-core development machine, under its ordinary load, two threads ran 784-128-10
and 784-256-256-10 with mini-batches of 16, 64 and 128 between 0.83 and 9.4 times as long as
one (``benchmarks/engine_bench.py`` prints both side by side): a gain of at most a sixth in two
cases, a loss of 4 to 9 times in the others and in all six at a higher load. So the policy is
one thread for every network; ``--threads N`` on a command or the environment variable
``GRADSTEP_THREADS`` chooses another count.

The limit is set through threadpoolctl. For OpenBLAS it is process-wide; for an OpenMP-based
BLAS it is per thread, which is why the window's run worker applies it again on its own thread.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from engine.errors import GradstepError

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

ENVIRONMENT = "GRADSTEP_THREADS"
DEFAULT_THREADS = 1
MAX_THREADS = 1024

_controller: ThreadpoolController | None = None
_chosen = DEFAULT_THREADS
_lock = threading.Lock()


def parse_threads(text: str, source: str) -> int:
    """``text`` as a thread count, or a GradstepError naming ``source`` (an option or variable)."""
    stripped = text.strip()
    if not stripped.isdigit() or not 1 <= int(stripped) <= MAX_THREADS:
        raise GradstepError(
            f"{source}: expected a whole number of threads from 1 to {MAX_THREADS}, got {text[:40]!r}"
        )
    return int(stripped)


def choose(option: int | None = None) -> int:
    """The thread count to use: ``option`` (``--threads``), else ``GRADSTEP_THREADS``, else the
    policy's one thread. Raises GradstepError for a bad option or variable."""
    if option is not None:
        return parse_threads(str(option), "--threads")
    text = os.environ.get(ENVIRONMENT)
    if text is None or text == "":
        return DEFAULT_THREADS
    return parse_threads(text, ENVIRONMENT)


def apply(count: int) -> None:
    """Limit the BLAS libraries NumPy loaded to ``count`` threads (on this thread too, for an
    OpenMP-based BLAS) and remember it as the process's choice for :func:`apply_chosen`."""
    global _controller, _chosen
    with _lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController  # on first use: it costs a launch ms

            _controller = ThreadpoolController()  # finds the loaded libraries once (a few ms)
        _take_openblas_control()
        _controller.limit(limits=count, user_api="blas")
        _chosen = count


def _take_openblas_control() -> None:
    """Let this thread set OpenBLAS's thread count.

    threadpoolctl (3.6 on) lets only the first thread that set a process-wide OpenBLAS pool set
    it again, while that thread lives, and other threads' calls silently do nothing. A QThread
    worker counts as alive for ever (Python sees it as a dummy thread), so a worker that applied
    the count first left every later :func:`apply`, the main thread's too, without effect. The
    count is Gradstep's alone to set, and the last one applied is the one that holds.
    """
    import threadpoolctl

    controller = getattr(threadpoolctl, "OpenBLASController", None)
    clear = getattr(controller, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


def remember(count: int) -> None:
    """Make ``count`` the process's choice without applying it yet: the window applies it with
    :func:`apply_chosen` once its first frame is painted (threadpoolctl's import and its scan of
    the loaded libraries cost about 35 ms of a launch)."""
    global _chosen
    with _lock:
        _chosen = count


def apply_chosen() -> None:
    """Apply the count last chosen in this process (one thread if none was): for a worker thread,
    and the window's own once it is shown."""
    apply(_chosen)


def chosen() -> int:
    """The count last chosen in this process (one thread if none was): applied, or remembered
    for the window to apply once its first frame is up."""
    return _chosen


def blas_threads() -> list[int]:
    """What each loaded BLAS library reports as its thread count now (as threadpoolctl sees it)."""
    from threadpoolctl import ThreadpoolController

    info = ThreadpoolController().select(user_api="blas").info()
    return [int(lib["num_threads"]) for lib in info]
