"""``gradstep debug``: run the learner's program as written, trace it line by line, infer the
session it trains, and name the first line whose value is wrong."""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.core.compute import init_params
from engine.core.config import SessionConfig
from engine.core.records import LayerParams
from engine.errors import GradstepError
from engine.learner.debug.discovery import Discovery, IterationData, candidate_losses, discover
from engine.learner.debug.matching import LineVerdict, match
from engine.learner.debug.quantities import iteration_config
from engine.learner.debug.recording import Trace, record
from engine.learner.debug.report import DebugReport, build_report
from engine.learner.debug.source import LearnerSource, read_source
from engine.learner.debug.structure import LayerRole, Structure, find_structure

EXIT_AGREE, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2


def debug_code(
    code: str | Path,
    session: SessionConfig | None = None,
    iterations: int = 3,
    timeout: float = 20.0,
    cancel: threading.Event | None = None,
) -> DebugReport:
    """Trace ``iterations`` iterations of the learner's program and judge every line.

    Parameters
    ----------
    code
        A .py script (global code, a class driven by the file's own main code, or a file
        defining ``train_step``) or a Jupyter notebook (.ipynb).
    session
        Gives or overrides the loss, the learning rate and the activations; required to run
        a file that only defines ``train_step`` (it supplies the weights and data too).
    cancel
        Set it to stop the learner's process (the call then raises GradstepError).

    Raises
    ------
    GradstepError
        Bad input: a syntax error (its line, and the fix where obvious), no training loop, a
        loop that changes no array, weights in Python lists, an exception or ``input()`` in
        the learner's program before its training loop, a time-out.
    """
    if iterations < 1:
        raise GradstepError(f"--iterations must be at least 1, got {iterations}")
    if not math.isfinite(timeout) or timeout <= 0:  # NaN or inf would lift the limit
        raise GradstepError(f"--timeout: expected a positive number of seconds, got {timeout}")
    if session is not None and session.optimizer.name != "sgd":
        raise GradstepError(
            "debug compares plain gradient-descent steps: the session's optimizer is "
            f"{session.optimizer.name}"
        )
    source = read_source(Path(code))
    train_step = _train_step_mode(source, session)
    if train_step:
        assert session is not None
        trace = record(source, iterations, timeout, train_step=(session, init_params(session)), cancel=cancel)
    else:
        trace = record(source, iterations, timeout, cancel=cancel)
    _refuse_unusable(trace, source)
    if train_step:
        assert session is not None
        discovery = _train_step_discovery(trace, session)
        verdicts = match(trace, discovery)
    else:
        discovery, verdicts = _best_discovery(trace, source, session)
    report = build_report(source, trace, discovery, verdicts)
    if session is not None and session.mistake is not None:
        note = (
            f"the session's teaching-mode mistake ({session.mistake}) is not used: lines are judged "
            "against correct backprop"
        )
        report = replace(report, notes=(*report.notes, note))
    return report


def _train_step_mode(source: LearnerSource, session: SessionConfig | None) -> bool:
    if not source.defines_train_step:
        return False
    if session is not None:
        return True
    if not source.loops:
        raise GradstepError(
            f"{source.path}: the file defines train_step but runs no training loop: give the session "
            "to call it on with --session (as for gradstep check)"
        )
    return False


def _refuse_unusable(trace: Trace, source: LearnerSource) -> None:
    """Bad input: the trace holds no complete iteration of a training loop."""
    path = source.path
    if trace.status == "input":
        where = "" if trace.error_line is None else f" ({source.where(trace.error_line)})"
        raise GradstepError(
            f"{path}: your code calls input(){where}: Gradstep runs it without a keyboard; "
            "write the value into the code instead"
        )
    if trace.iterations > 0:
        return
    if trace.status == "error":
        where = "" if trace.error_line is None else f" ({source.where(trace.error_line)})"
        error = (trace.error or "an exception").rstrip(".")
        raise GradstepError(f"{path}: your program raised {error}{where} before its training loop ran")
    if trace.python_lists:
        name, line = next(iter(trace.python_lists.items()))
        raise GradstepError(
            f"{path}: your weights are held in Python lists ({name}, changed on {source.where(line)}): "
            "Gradstep follows NumPy arrays; make them arrays with np.array(...)"
        )
    if not source.loops:
        raise GradstepError(
            f"{path}: no loop found: Gradstep debugs the training loop (the for or while loop that "
            "updates the weights), and your program has none"
        )
    raise GradstepError(
        f"{path}: your program ran to its end without a loop that changes a NumPy array: no training "
        "loop was reached (is the training call missing, or are the weights not NumPy arrays?)"
    )


def _best_discovery(
    trace: Trace, source: LearnerSource, session: SessionConfig | None
) -> tuple[Discovery, list[LineVerdict]]:
    lines = source.lines
    structure = find_structure(trace, lines)
    if structure is None:
        header = "" if trace.training_loop is None else f" (the loop on {source.where(trace.training_loop)})"
        raise GradstepError(
            f"{source.path}: could not find the network: no chain of arrays that your training loop"
            f"{header} changes reproduces a traced forward pass X·W + b through an activation; give the "
            "session with --session"
        )
    losses = [session.loss] if session is not None else candidate_losses(structure)
    best: tuple[tuple[int, ...], Discovery, list[LineVerdict]] | None = None
    failure: GradstepError | None = None
    for rank, loss in enumerate(losses):
        try:
            discovery = discover(trace, structure, loss, lines, session)
        except GradstepError as exc:
            failure = exc
            continue
        verdicts = match(trace, discovery)
        exact_rate = discovery.rate_exact
        score = (_not_right(verdicts), -_exact_loss_lines(verdicts), -exact_rate, rank)
        if best is None or score < best[0]:
            best = (score, discovery, verdicts)
    if best is None:
        assert failure is not None
        raise GradstepError(f"{source.path}: {failure}")
    return best[1], best[2]


def _not_right(verdicts: list[LineVerdict]) -> int:
    """Lines that are not a correct quantity: under the right loss the fewest are."""
    return sum(v.status != "matches" for v in verdicts)


def _exact_loss_lines(verdicts: list[LineVerdict]) -> int:
    """Lines that compute the session's loss itself, no factor: the program names its loss."""
    return sum(any(n.quantity == "loss" and n.factor == "1" for n in v.names) for v in verdicts)


def _train_step_discovery(trace: Trace, session: SessionConfig) -> Discovery:
    """The session given: its parameters fed to train_step, in the orientation it accepted."""
    orientation = trace.train_step_orientation
    assert orientation is not None
    samples, weights, bias = orientation
    roles = tuple(
        LayerRole(
            f"arg:weights[{k}]",
            f"weights[{k}]",
            f"arg:biases[{k}]" if layer.has_bias else None,
            f"biases[{k}]" if layer.has_bias else None,
            bias if layer.has_bias else "none",
            layer.activation,
        )
        for k, layer in enumerate(session.layers)
    )
    structure = Structure(samples, weights, roles, "arg:X", "X", "arg:Y", "Y", len(roles))
    per_iteration = []
    for start in trace.train_step_starts:
        params = []
        for k in range(len(session.layers)):
            w = start[f"weights[{k}]"]
            b = start[f"biases[{k}]"].reshape(-1).copy() if session.layers[k].has_bias else np.zeros(0)
            params.append(LayerParams(w.T.copy() if weights == "in_out" else w.copy(), b))
        x, y = start["X"], start["Y"]
        if samples == "columns":
            x, y = x.T.copy(), y.T.copy()
        per_iteration.append(
            IterationData(tuple(params), x, y, iteration_config(session, tuple(params), x, y))
        )
    from engine.files.session_file import session_json

    config = replace(session, batch_size=None, mistake=None)
    notes = ("train_step called on the session's weights and data, full batch",)
    return Discovery(
        structure,
        session.loss,
        session.optimizer.learning_rate,
        "from --session",
        True,
        session_json(config),
        config,
        tuple(per_iteration[: trace.iterations]),
        notes,
        True,
    )
