"""One run of :func:`engine.learner.check.check_code` on a worker thread."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from engine import SessionConfig
from gui.control.learner_job import LearnerJob

if TYPE_CHECKING:
    from pathlib import Path

    from engine.learner.check import CheckReport


class CheckJob(LearnerJob):
    """A check of ``code`` against ``config``; ``finished`` carries the CheckReport."""

    def __init__(
        self,
        code: Path,
        config: SessionConfig,
        iterations: int,
        timeout: float,
        parent: QObject | None = None,
    ) -> None:
        # the check machinery loads with the first check (here, on the GUI thread), not at launch
        from engine.learner.check import check_code

        def work(cancel: threading.Event) -> CheckReport:
            # a cancel raises CheckCancelled, which the job answers as ``cancelled``
            return check_code(code, config, iterations, timeout, cancel=cancel.is_set)

        super().__init__(work, "check", parent)
        self.code = code
        self.config = config  # the session checked: a report on another one marks nothing
