"""The scorer of candidate definitions: a logistic regression over binary features (features.py),
its weights in data/card_model.json, trained offline (train.py) by Newton's method with an L2 penalty
— deterministic, pure Python, so re-training gives the committed weights exactly.
"""
from __future__ import annotations

import functools
import itertools
import json
import math
from pathlib import Path

L2 = 1.0  # the penalty on every weight but the bias: a feature seen a few times cannot dominate

MIN_COUNT = 3  # a feature of fewer training candidates than this gets no weight (it would only memorize them)


def data_file(name: str) -> Path:
    """A file of data/: the one beside this source tree when kb runs from a checkout (its model goes
    with its code), else the installed package's."""
    from kb.paths import bundled_data

    beside = Path(__file__).resolve().parents[2] / "data" / name
    return beside if beside.is_file() else bundled_data() / name


@functools.lru_cache(maxsize=1)
def weights() -> tuple[dict[str, float], float]:
    """The committed model: (feature → weight, threshold)."""
    data = json.loads(data_file("card_model.json").read_text(encoding="utf-8"))
    return data["weights"], data["threshold"]


def probability(w: dict[str, float], features: list[str]) -> float:
    z = w.get("bias", 0.0) + sum(map(w.get, features, itertools.repeat(0.0)))
    return 1.0 / (1.0 + math.exp(-z)) if z > -40 else 0.0


def train(rows: list[tuple[list[str], int, float]], *, l2: float = L2, iterations: int = 30) -> dict[str, float]:
    """Weights maximizing the penalized log-likelihood of rows (features, label 0/1, the row's weight)."""
    counts: dict[str, int] = {}
    for feats, _, _ in rows:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    names = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {n: i + 1 for i, n in enumerate(names)}  # 0 is the bias
    d = len(names) + 1
    xs = [[0] + sorted({index[f] for f in feats if f in index}) for feats, _, _ in rows]
    ys = [y for _, y, _ in rows]
    ws = [w for _, _, w in rows]
    beta = [0.0] * d
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y, w in zip(xs, ys, ws):
            z = sum(beta[i] for i in x)
            p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
            r, v = w * (y - p), w * p * (1 - p)
            for i in x:
                grad[i] += r
                row = hess[i]
                for j in x:
                    row[j] += v
        for i in range(1, d):
            grad[i] -= l2 * beta[i]
            hess[i][i] += l2
        hess[0][0] += 1e-6
        step = _solve(hess, grad)
        beta = [b + s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-9:
            break
    out = {"bias": beta[0]}
    out.update({n: beta[index[n]] for n in names})
    return out


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a·x = b (a symmetric positive definite): Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        pivot = m[c][c]
        if abs(pivot) < 1e-12:
            continue
        for r in range(c + 1, n):
            f = m[r][c] / pivot
            if f:
                mr, mc = m[r], m[c]
                for k in range(c, n + 1):
                    mr[k] -= f * mc[k]
    x = [0.0] * n
    for c in range(n - 1, -1, -1):
        s = m[c][n] - sum(m[c][k] * x[k] for k in range(c + 1, n))
        x[c] = s / m[c][c] if abs(m[c][c]) >= 1e-12 else 0.0
    return x
