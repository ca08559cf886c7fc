"""Recording a walkthrough: the user's actions as steps, each with the values it leads to.

The steps outlive the recording (Save Walkthrough still keeps them after it stopped), so the
controller keeps one :class:`Recorder` for the window's life.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from engine import Session, SessionConfig
from engine.files.session_file import parse_session
from engine.files.walkthrough import Step, ViewState, Walkthrough, record_step


class Recorder:
    """The steps recorded so far and the session they start from."""

    def __init__(self, config: SessionConfig) -> None:
        self.active = False
        self.title = ""
        self._steps: list[Step] = []
        self._session = config
        self._since = 0
        self.floor = 0  # the earliest stage position a recorded step can replay

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    def start(self, session: Session, now: ViewState, title: str) -> None:
        """Record from ``session``'s state: the walkthrough's session is it, saved now."""
        session.forget_future()  # what lies ahead was computed before: the recording recomputes it
        self._session = parse_session(session.to_json(), session.config.base_dir)
        self._since = session.iteration  # what was computed before cannot be replayed
        self.title = title
        self._steps = []
        self.active = True
        self.floor = session.position - session.stage  # where the saved session starts
        # the saved session starts at the iteration's beginning: steps bring the window to now,
        # each expecting what replay shows once it is done (the selection comes after the stages)
        view = ViewState()
        if session.stage:
            self.append(session, view, Step("step", count=session.stage))
        if now.selection is not None:
            view = ViewState(now.selection, view.color_by)
            self.append(session, view, Step("select", parameter=now.selection))
        if now.color_by != view.color_by or now.sample != view.sample:
            color_by = now.color_by if now.color_by != view.color_by else None
            sample = now.sample if now.sample != view.sample else None
            self.append(session, now, Step("view", color_by=color_by, sample=sample))

    def append(self, session: Session, view: ViewState, step: Step) -> None:
        """``step``, with the values it led to in ``session`` and ``view`` as its expectations."""
        self._steps.append(record_step(session, view, step, self._since))

    def set_caption(self, index: int, caption: str) -> bool:
        """Edit the caption of step ``index``; False if nothing changed."""
        if 0 <= index < len(self._steps) and self._steps[index].caption != caption:
            self._steps[index] = replace(self._steps[index], caption=caption)
            return True
        return False

    def remove_last(self) -> bool:
        if self._steps:
            self._steps.pop()
            return True
        return False

    def clear(self) -> bool:
        if self._steps:
            self._steps = []
            return True
        return False

    def walkthrough(self, title: str | None = None) -> Walkthrough:
        return Walkthrough(title or self.title, self._session, tuple(self._steps))

    def save(self, path: Path, title: str | None = None) -> Walkthrough:
        """Write the recorded walkthrough atomically (raises GradstepError or OSError)."""
        walkthrough = self.walkthrough(title)
        walkthrough.save(path)
        return walkthrough
