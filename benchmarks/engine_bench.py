"""Engine speed: `gradstep run` against a hand-written NumPy loop, and time-travel cost.

    python benchmarks/engine_bench.py            # full run (about five minutes)
    python benchmarks/engine_bench.py --quick    # fewer repeats and iterations

It also times the BLAS thread policy (one thread against two, alternating) and time travel
over 784-256-256-10 with mini-batches of 128.

Times alternate between the two in one process and the ratio of medians is reported, so
machine load affects both sides alike. The engine side is exactly what `gradstep run` does:
`Session(config).run_iterations(n, Breakpoints())`, with the non-finite check on.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Breakpoints, Session, parse_session  # noqa: E402
from engine.core import allocator, threads  # noqa: E402


def _session(
    sizes: list[int],
    hidden: str,
    out: str,
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
    batch: int | None = None,
) -> dict[str, Any]:
    layers = [{"units": n, "activation": hidden} for n in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": out})
    return {
        "format": "gradstep-session",
        "version": 1,
        "seed": 0,
        "network": {"inputs": sizes[0], "init": "xavier_uniform", "layers": layers},
        "loss": loss,
        "optimizer": {"name": "sgd", "learning_rate": lr},
        "data": {"inputs": x.tolist(), "targets": y.tolist()},
        "batch_size": batch,
    }


def hand_xor(
    params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray, iterations: int, lr: float
) -> float:
    """The seed tutorials' loop: sigmoid 2-4-1, E = 1/2 sum (a - y)^2, printed loss."""
    w1, b1 = params[0][0].copy(), params[0][1].copy()
    w2, b2 = params[1][0].copy(), params[1][1].copy()
    loss = 0.0
    for _ in range(iterations):
        h = 1 / (1 + np.exp(-(x @ w1.T + b1)))
        o = 1 / (1 + np.exp(-(h @ w2.T + b2)))
        loss = 0.5 * np.sum((o - y) ** 2)
        d2 = (o - y) * (o * (1 - o))
        d1 = (d2 @ w2) * (h * (1 - h))
        w2 -= lr * (d2.T @ h)
        b2 -= lr * d2.sum(axis=0)
        w1 -= lr * (d1.T @ x)
        b1 -= lr * d1.sum(axis=0)
    return float(loss)


def hand_mlp(
    params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray, iterations: int, lr: float
) -> float:
    """A hand-written ReLU MLP with softmax + cross-entropy, full batch."""
    ws = [p[0].copy() for p in params]
    bs = [p[1].copy() for p in params]
    n = x.shape[0]
    loss = 0.0
    for _ in range(iterations):
        acts = [x]
        zs = []
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            z = acts[-1] @ w.T + b
            zs.append(z)
            if i < len(ws) - 1:
                acts.append(np.maximum(z, 0))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                acts.append(e / e.sum(axis=1, keepdims=True))
        shifted = zs[-1] - zs[-1].max(axis=1, keepdims=True)
        log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = float(np.mean(-np.sum(y * log_a, axis=1)))
        delta = acts[-1] - y
        for i in range(len(ws) - 1, -1, -1):
            dw = (delta.T @ acts[i]) / n
            db = delta.sum(axis=0) / n
            if i:
                delta = (delta @ ws[i]) * (zs[i - 1] > 0)
            ws[i] -= lr * dw
            bs[i] -= lr * db
    return loss


def compare(
    name: str, config_dict: dict[str, Any], hand: Any, iterations: int, repeats: int
) -> dict[str, Any]:
    config = parse_session(config_dict)
    start = Session(config).params
    params = [(p.weights, p.bias) for p in start]
    lr = config.optimizer.learning_rate
    engine_times, hand_times = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        session = Session(config)
        result = session.run_iterations(iterations, Breakpoints())
        engine_times.append(time.perf_counter() - t)
        assert result.iterations == iterations
        t = time.perf_counter()
        hand(params, config.x, config.y, iterations, lr)
        hand_times.append(time.perf_counter() - t)
    e, h = statistics.median(engine_times), statistics.median(hand_times)
    return {"case": name, "iterations": iterations, "engine_s": e, "hand_s": h, "ratio": e / h}


def _mnist_like(sizes: list[int], batch: int, samples: int = 512) -> Any:
    """A ReLU/softmax network on random 784-wide samples with one-hot targets."""
    rng = np.random.default_rng(1)
    x = rng.random((samples, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    return parse_session(_session(sizes, "relu", "softmax", "cross_entropy", x, y, 0.05, batch=batch))


def thread_policy(repeats: int, iterations: int) -> list[dict[str, Any]]:
    """Seconds of `run_iterations` with one BLAS thread against two, alternating; medians."""
    rows = []
    for sizes in ([784, 128, 10], [784, 256, 256, 10]):
        for batch in (16, 64, 128):
            config = _mnist_like(sizes, batch)
            times: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(repeats):
                for count in (1, 2):
                    threads.apply(count)
                    session = Session(config)
                    t = time.perf_counter()
                    session.run_iterations(iterations, Breakpoints())
                    times[count].append(time.perf_counter() - t)
            one, two = statistics.median(times[1]), statistics.median(times[2])
            name = "-".join(str(n) for n in sizes)
            rows.append({"case": name, "batch": batch, "one": one, "two": two, "ratio": two / one})
    threads.apply(threads.choose())
    return rows


def time_travel(
    iterations: int, probes: int, sizes: list[int] | None = None, batch: int = 64
) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    config = _mnist_like(sizes or [784, 128, 10], batch, samples=256 if sizes is None else 512)
    session = Session(config)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    session.run_iterations(iterations, Breakpoints())
    run_s = time.perf_counter() - t
    targets = rng.integers(0, iterations, probes)
    back_times = []
    for k in targets:
        t = time.perf_counter()
        session.goto(int(k), 0)
        session.snapshot()  # what the window draws there: it shows iteration k - 1 complete
        back_times.append(time.perf_counter() - t)
    # one stage back and forth on a tiny network
    tiny = Session(
        parse_session(
            _session(
                [2, 4, 1],
                "sigmoid",
                "sigmoid",
                "half_sse",
                np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float),
                np.array([[0], [1], [1], [0]], float),
                0.5,
            )
        )
    )
    tiny.run_iterations(1000, Breakpoints())
    steps = []
    for _ in range(2000):
        t = time.perf_counter()
        tiny.step()
        steps.append(time.perf_counter() - t)
    backs = []
    for _ in range(2000):
        t = time.perf_counter()
        tiny.back()
        backs.append(time.perf_counter() - t)
    return {
        "iterations": iterations,
        "run_s": run_s,
        "history_mb": session.history_bytes() / 2**20,
        "checkpoint_interval": session.checkpoint_interval,
        "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024,
        "back_median_s": statistics.median(back_times),
        "back_max_s": max(back_times),
        "tiny_step_median_ms": statistics.median(steps) * 1e3,
        "tiny_back_median_ms": statistics.median(backs) * 1e3,
    }


def _print_time_travel(title: str, tt: dict[str, Any]) -> None:
    print(f"| {title} | value |")
    print("|---|---:|")
    print(f"| iterations run | {tt['iterations']} ({tt['run_s']:.1f} s) |")
    every = tt["checkpoint_interval"]
    print(f"| history held (checkpoints) | {tt['history_mb']:.0f} MB, one every {every} iterations |")
    print(f"| peak RSS growth during the run | {tt['rss_growth_mb']:.0f} MB |")
    median, worst = tt["back_median_s"] * 1e3, tt["back_max_s"] * 1e3
    what = "go back to a random iteration and take its snapshot: median / max"
    print(f"| {what} | {median:.0f} ms / {worst:.0f} ms |")


def _print_threads(rows: list[dict[str, Any]], iterations: int) -> None:
    print(f"| BLAS threads, {iterations} iterations | batch | 1 thread (s) | 2 threads (s) | 2 / 1 |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['batch']} | {r['one']:.3f} | {r['two']:.3f} | {r['ratio']:.2f} |")


def _run_and_travel(quick: bool) -> None:
    repeats = 3 if quick else 7
    xor_x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    xor_y = np.array([[0], [1], [1], [0]], float)
    rng = np.random.default_rng(0)
    big_x = rng.standard_normal((1000, 64))
    big_y = np.eye(10)[rng.integers(0, 10, 1000)]
    rows = [
        compare(
            "XOR 2-4-1 sigmoid, half_sse",
            _session([2, 4, 1], "sigmoid", "sigmoid", "half_sse", xor_x, xor_y, 0.5),
            hand_xor,
            2000 if quick else 10000,
            repeats,
        ),
        compare(
            "64-128-128-10 ReLU/softmax, 1,000 samples",
            _session([64, 128, 128, 10], "relu", "softmax", "cross_entropy", big_x, big_y, 0.1),
            hand_mlp,
            50 if quick else 200,
            repeats,
        ),
    ]
    print("| case | iterations | gradstep run (s) | hand-written loop (s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        cells = [
            r["case"],
            r["iterations"],
            f"{r['engine_s']:.3f}",
            f"{r['hand_s']:.3f}",
            f"{r['ratio']:.2f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    tt = time_travel(2000 if quick else 10000, 10 if quick else 30)
    print()
    _print_time_travel("time travel, 784-128-10, batch 64", tt)
    step, back = tt["tiny_step_median_ms"], tt["tiny_back_median_ms"]
    print(f"| 2-4-1: one stage step / one stage back (median) | {step:.3f} ms / {back:.3f} ms |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("run", "threads", "big"), help="one part")
    args = parser.parse_args()
    allocator.tune()  # as `gradstep run` does; the hand-written loop runs in the same process
    threads.apply(threads.choose())  # as `gradstep run` does
    print(f"BLAS threads: {threads.blas_threads()}; load average {os.getloadavg()[0]:.1f}\n")
    if args.only in (None, "run"):
        _run_and_travel(args.quick)
    if args.only in (None, "threads"):
        count = 50 if args.quick else 100
        _print_threads(thread_policy(3 if args.quick else 5, count), count)
        print()
    if args.only in (None, "big"):  # last: its peak memory would hide the others' growth
        big = time_travel(1000 if args.quick else 10_000, 10 if args.quick else 30, [784, 256, 256, 10], 128)
        _print_time_travel("time travel, 784-256-256-10, batch 128", big)


if __name__ == "__main__":
    main()
