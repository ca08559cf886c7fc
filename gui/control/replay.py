"""Tutorial mode's state: a walkthrough replayed by an :class:`engine.files.walkthrough.Player`.

The controller owns the one :class:`Replay` while a walkthrough plays and asks it for the
session to show after each step; views read it through :attr:`SessionController.tutorial`.
A step of many iterations is replayed on a worker thread (:meth:`Replay.compute`) on a copy of
the player and its session, so the window keeps its own until the copy is adopted whole
(:meth:`Replay.adopt`), and a cancelled replay leaves nothing behind.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from engine import Session, SessionConfig
from engine.files.walkthrough import ExpectResult, Player, Step, ViewState, Walkthrough
from gui.control.replay_cost import long_replay

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
        """Replay to the state after step ``index`` (-1: before the first) here and now; the
        session to show (a new one when a hand edit made the replay start again)."""
        return self.adopt(_replayed(self._player, self._edited, self.diverged, index, None))

    def is_long(self, index: int) -> bool:
        """Whether replaying to step ``index`` is long enough for the worker thread."""
        player = self._player
        steps = player.walkthrough.steps
        start = -1 if self._edited or index < player.index else player.index
        iterations = 0
        stages = len(player.session.stages)
        for step in steps[start + 1 : index + 1]:
            if step.action == "iterations":
                iterations += step.count
            elif step.action in ("step", "back"):
                iterations += step.count // stages + 1
        return long_replay(player.session.config, iterations)

    def compute(self, index: int, should_stop: Callable[[], bool]) -> ReplayOutcome:
        """Replay to step ``index`` on a copy (for a worker thread: this replay is only read).
        Raises StepCancelled when ``should_stop`` answers True."""
        player = self._player
        # the walkthrough and the configuration are immutable: shared, not copied
        keep: dict[int, object] = {id(player.walkthrough): player.walkthrough}
        keep[id(player.session.config)] = player.session.config
        if self._edited:
            keep[id(player.session)] = player.session  # replaced by a fresh one, never changed
        twin = copy.deepcopy(player, keep)
        return _replayed(twin, self._edited, self.diverged, index, should_stop)

    def adopt(self, outcome: ReplayOutcome) -> Session:
        """Take over a finished replay: its player, session and results; the session to show."""
        self._player = outcome.player
        self.results = outcome.results
        self.diverged = self._edited = False
        if any(not r.met for r in self.results):
            self._mismatched.add(outcome.index)
        else:
            self._mismatched.discard(outcome.index)
        return outcome.player.session


@dataclass(frozen=True)
class ReplayOutcome:
    """A replay done, waiting to be adopted: the player after step ``index`` and its results."""

    index: int
    player: Player
    results: tuple[ExpectResult, ...]


def _replayed(
    player: Player, edited: bool, diverged: bool, index: int, should_stop: Callable[[], bool] | None
) -> ReplayOutcome:
    """``player`` moved to step ``index`` (after a hand edit from the start; after hand moves
    back onto the path first)."""
    if edited:
        player.restart()  # a hand edit started another branch: replay from the start
    elif diverged:
        position = player.position_of(player.index)
        if position is not None:
            player.session.goto_position(position)  # moves only: time travel back onto the path
    return ReplayOutcome(index, player, player.goto(index, should_stop))
