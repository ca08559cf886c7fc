"""The parts the NumPy and PyTorch scripts share: the docstring, the data, the command line,
the mini-batch order and the lines printed as ``gradstep run`` prints them."""

from __future__ import annotations

import csv
import io
import os
import textwrap
from pathlib import Path

from engine.core.config import SessionConfig
from engine.core.records import OptimizerState, Params
from engine.errors import GradstepError
from engine.export import literals
from engine.files.reading import read_file_bytes

_NOTATION = """\
Notation (Gradstep's, 0-based like the window and `gradstep chain`): layer k has weights W⁽ᵏ⁾
of shape (units, inputs), W⁽ᵏ⁾[j, i] from input i to unit j, and biases b⁽ᵏ⁾; samples are
rows. z⁽ᵏ⁾ = a⁽ᵏ⁻¹⁾ W⁽ᵏ⁾ᵀ + b⁽ᵏ⁾ (a⁽⁻¹⁾ is the input x), a⁽ᵏ⁾ = f(z⁽ᵏ⁾); per sample
δ⁽ᵏ⁾ = ∂ℓ/∂z⁽ᵏ⁾ = ∂ℓ/∂a⁽ᵏ⁾ · ∂a⁽ᵏ⁾/∂z⁽ᵏ⁾, and ∂L/∂W⁽ᵏ⁾ is its reduction over the batch."""


def assemble(before: list[str], functions: str, after: list[str]) -> str:
    """The script from its parts: a blank line between parts, two around the functions (PEP 8),
    and every comment longer than a line wrapped onto more."""
    text = "\n\n".join(part.rstrip("\n") for part in before if part)
    if functions:
        text += "\n\n\n" + functions.strip("\n") + "\n\n"
    text += "\n" + "\n\n".join(part.rstrip("\n") for part in after if part) + "\n"
    return "\n".join(_wrapped(line) for line in text.split("\n"))


def _wrapped(line: str) -> str:
    stripped = line.lstrip(" ")
    if len(line) <= 100 or not stripped.startswith("# "):
        return line
    indent = line[: len(line) - len(stripped)]
    return "\n".join(
        textwrap.wrap(stripped[2:], width=100, initial_indent=indent + "# ", subsequent_indent=indent + "# ")
    )


def count(n: int, noun: str) -> str:
    """``n`` and the noun, plural when n is not 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def docstring(config: SessionConfig, flavour: str, filename: str, in_out: bool = False) -> str:
    """The script's docstring: what it trains, how to run it, and the notation."""
    title = config.title or "A Gradstep session"
    network = "-".join(str(n) for n in config.sizes)
    activations = "/".join(dict.fromkeys(layer.activation for layer in config.layers))
    summary = (
        f"{network} {activations}, {config.loss} loss, {config.optimizer.name} "
        f"(learning rate {config.optimizer.learning_rate!r}), "
        + ("full batch" if config.batch_size is None else f"mini-batches of {config.batch_size}")
    )
    paragraphs = [f"{title}: a {flavour} training script exported by Gradstep.", f"{summary}."]
    if config.description:
        paragraphs.append(config.description)
    paragraphs.append(
        f"`python {filename}` trains it as `gradstep run` does, from the same starting weights, "
        "and prints the same lines for the losses; `--iterations N` runs N updates (default: "
        f"the session's {config.iterations})."
    )
    if in_out:
        paragraphs.append(
            "Each W is written as (inputs, units), the orientation of seed tutorials 001, 003 and "
            "004: z = a @ W + b. It is the transpose of Gradstep's W⁽ᵏ⁾ in the notation below."
        )
    if config.mistake is not None:
        paragraphs.append(
            f"Teaching mode is on: the code makes the mistake {config.mistake!r} on purpose, on the "
            "lines marked MISTAKE."
        )
    wrapped = ["\n".join(textwrap.wrap(_escaped(p), width=92)) for p in paragraphs]
    return '"""' + "\n\n".join([*wrapped, _NOTATION]) + '\n"""'


def reads_csv(config: SessionConfig) -> bool:
    """True when the script reads the data from the session's CSV file rather than inline."""
    return "csv" in config.data and config.x.size + config.y.size > literals.INLINE_VALUES


def packs_base64(config: SessionConfig, params: Params, state: OptimizerState) -> bool:
    """True when some array of the script is written as base64."""
    arrays = [p.weights for p in params] + [p.bias for p in params]
    for buffers in (state.first, state.second):
        if buffers is not None:
            arrays += [p.weights for p in buffers] + [p.bias for p in buffers]
    if not reads_csv(config):
        arrays += [config.x, config.y]
    return literals.needs_base64(*arrays)


def literal(values: literals.Array) -> str:
    """An exact array literal (see :mod:`engine.export.literals`)."""
    return literals.array(values)


_READ_CSV = '''\
def read_csv(path, inputs, targets):
    """The named columns of a CSV file with a header row, as Gradstep reads it."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    header = [name.strip() for name in rows[0]]
    table = np.array([[float(cell) for cell in row] for row in rows[1:] if any(cell.strip() for cell in row)])
    return table[:, [header.index(n) for n in inputs]], table[:, [header.index(n) for n in targets]]'''


def data_block(config: SessionConfig, out: Path | None) -> list[str]:
    """The data as X (inputs) and Y (targets), samples as rows: inline, or read from its CSV."""
    samples, inputs = config.x.shape
    outputs = config.y.shape[1]
    each = f"{count(inputs, 'input')} and {count(outputs, 'target')} each"
    head = f"# The data: {count(samples, 'sample')} (rows), {each}"
    if reads_csv(config):
        path, input_names = _csv_source(config)
        where = _path_expression(path, out)
        targets = [str(t) for t in config.data["targets"]]
        return [
            _READ_CSV,
            f"{head}, from the session's CSV file\nX, Y = read_csv({where}, {input_names!r}, {targets!r})",
        ]
    return [f"{head}\nX = {literal(config.x)}\nY = {literal(config.y)}"]


def _csv_source(config: SessionConfig) -> tuple[Path, list[str]]:
    path = Path(str(config.data["csv"]))
    if not path.is_absolute():
        path = (config.base_dir or Path.cwd()) / path
    targets = [str(t) for t in config.data["targets"]]
    if "inputs" in config.data:
        return path.resolve(), [str(name) for name in config.data["inputs"]]
    text = read_file_bytes(path, "data.csv").decode("utf-8-sig", errors="replace")
    header = next(csv.reader(io.StringIO(text, newline="")), None)
    if header is None:
        raise GradstepError(f"data.csv: {path} is empty", "data.csv")
    return path.resolve(), [name.strip() for name in header if name.strip() not in targets]


def _path_expression(path: Path, out: Path | None) -> str:
    if out is None:
        return f"{str(path)!r}"
    try:
        relative = os.path.relpath(path, out.resolve().parent)
    except ValueError:  # another drive on Windows
        return f"{str(path)!r}"
    return f"Path(__file__).resolve().parent / {Path(relative).as_posix()!r}"


def buffers(
    config: SessionConfig, params: Params, saved: Params | None, prefix: str, what: str, in_out: bool = False
) -> list[str]:
    """An optimizer buffer per parameter: zeros, or the saved session's values."""
    lines = []
    for k, layer in enumerate(config.layers):
        names = [("W", "weights")] + ([("b", "bias")] if layer.has_bias else [])
        for short, field in names:
            values = getattr(params[k] if saved is None else saved[k], field)
            if in_out:
                values = values.T
            value = f"np.zeros({values.shape!r})" if saved is None else literal(values)
            lines.append(f"{prefix}{short}{k} = {value}  # {what} of {short}{literals.superscript(k)}")
    return lines


def arguments(config: SessionConfig, name: str, start: int, torch: bool = False) -> str:
    """The command line (``--iterations N``, and ``--save-model`` for ``torch``) and the first
    line ``gradstep run`` prints."""
    opt = config.optimizer
    title = config.title or name
    rest = f"{config.loss} loss, {opt.name} lr {opt.learning_rate:g}, {config.x.shape[0]} samples".replace(
        "{", "{{"
    ).replace("}", "}}")
    lines = [
        f"start = {start}  # the first iteration's number"
        + (" (a saved live session continues where it was)" if start else ""),
        f"title = {title!r}",
        'parser = argparse.ArgumentParser(description="Train the exported session; print its losses.")',
        f'parser.add_argument("--iterations", type=int, default={config.iterations}, metavar="N", '
        f'help="updates to run (default {config.iterations})")',
        *(
            [
                'parser.add_argument("--save-model", metavar="MODEL.pt", help="save the trained model")',
            ]
            if torch
            else []
        ),
        "arguments = parser.parse_args()",
        "iterations = arguments.iterations",
        "if iterations < 0:",
        '    parser.error(f"--iterations must be non-negative, got {iterations}")',
        "",
        f'print(f"{{title}}: {{iterations}} iterations, {rest}")',
        "every = max(1, iterations // 10)  # ten lines in all, as gradstep run prints them",
    ]
    if torch:
        lines.append("X, Y = torch.from_numpy(X), torch.from_numpy(Y)")
    lines += _batch_constants(config)
    return "\n".join(lines)


def minibatches(config: SessionConfig) -> bool:
    """True when iterations train on seeded shuffled mini-batches rather than every sample."""
    return config.batch_size is not None and config.batch_size < config.x.shape[0]


def _batch_constants(config: SessionConfig) -> list[str]:
    if not minibatches(config):
        return ["x, y = X, Y  # full batch: every iteration trains on every sample"]
    return [
        f"seed = {config.seed}",
        f"batch_size = {config.batch_size}",
        "batches_per_epoch = math.ceil(len(X) / batch_size)",
    ]


def batch_lines(config: SessionConfig) -> list[str]:
    """The loop's first lines: this iteration's mini-batch, in Gradstep's order."""
    if not minibatches(config):
        return []
    return [
        "# This iteration's mini-batch, in Gradstep's order: each epoch one shuffle, seeded by",
        "# (seed, 0xBA7C4, epoch), cut into consecutive batches (the last may be smaller)",
        "epoch, index = divmod(iteration, batches_per_epoch)",
        "if index == 0 or iteration == start:",
        "    order = np.random.default_rng([seed, 0xBA7C4, epoch]).permutation(len(X))",
        "batch = order[index * batch_size : (index + 1) * batch_size]",
        "x, y = X[batch], Y[batch]",
        "",
    ]


def report_lines() -> list[str]:
    """The loss line ``gradstep run`` prints, every ``every`` iterations and for the last."""
    return [
        "done = iteration - start + 1",
        "if done % every == 0 or done == iterations:",
        '    print(f"iteration {iteration}  loss {loss!r}", flush=True)',
    ]


def final_line() -> str:
    """``gradstep run``'s final line: the loss of the last iteration, before its update."""
    return "\n".join(
        [
            "if iterations > 0:",
            '    print(f"final loss {loss!r} (iteration {start + iterations - 1}, before its update)")',
        ]
    )
