"""Tutorial mode's state: a walkthrough replayed by an :class:`engine.files.walkthrough.Player`.

The controller owns the one :class:`Replay` while a walkthrough plays and asks it for the
session to show after each step; views read it through :attr:`SessionController.tutorial`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine import Session, SessionConfig
from engine.files.walkthrough import ExpectResult, Player, Step, ViewState, Walkthrough

MOVES = ("step", "back", "iterations", "set")  # actions that change the engine's state


@dataclass(frozen=True)
class TutorialState:
    """What views read of a replay: the walkthrough, the step shown and how it went."""

    walkthrough: Walkthrough
    index: int  # the step whose result is shown (-1 before the first)
    results: tuple[ExpectResult, ...]  # the shown step's recorded values, met or not
    mismatched: frozenset[int]  # steps whose recorded values were not met when last shown
    diverged: bool  # the user stepped or edited by hand since: the window left the path

    @property
    def step_count(self) -> int:
        return len(self.walkthrough.steps)

    @property
    def current_step(self) -> Step | None:
        return self.walkthrough.steps[self.index] if self.index >= 0 else None


class Replay:
    """Where the replay stands: the step shown, its expect results, and whether the user has
    stepped or edited by hand since (the window has then left the walkthrough's path)."""

    def __init__(
        self, walkthrough: Walkthrough, session: Session, factory: Callable[[SessionConfig], Session]
    ) -> None:
        self._player = Player(walkthrough, session, session_factory=factory)
        self.results: tuple[ExpectResult, ...] = ()
        self._mismatched: set[int] = set()
        self.diverged = False
        self._edited = False

    def state(self) -> TutorialState:
        player = self._player
        return TutorialState(
            player.walkthrough, player.index, self.results, frozenset(self._mismatched), self.diverged
        )

    @property
    def index(self) -> int:
        return self._player.index

    @property
    def step_count(self) -> int:
        return len(self._player.walkthrough.steps)

    @property
    def session(self) -> Session:
        return self._player.session

    @property
    def view(self) -> ViewState:
        return self._player.view

    def note_action(self, step: Step) -> bool:
        """The user did ``step`` by hand; True if that left the walkthrough's path."""
        if step.action not in MOVES:
            return False
        self.diverged = True
        self._edited = self._edited or step.action == "set"
        return True

    def goto(self, index: int) -> Session:
        """Replay to the state after step ``index`` (-1: before the first); the session to show
        (a new one when a hand edit made the replay start again)."""
        player = self._player
        if self._edited:
            player.restart()  # a hand edit started another branch: replay from the start
        elif self.diverged:
            position = player.position_of(player.index)
            if position is not None:
                player.session.goto_position(position)  # moves only: time travel back onto the path
        self.results = player.goto(index)
        self.diverged = self._edited = False
        if any(not r.met for r in self.results):
            self._mismatched.add(index)
        else:
            self._mismatched.discard(index)
        return player.session
