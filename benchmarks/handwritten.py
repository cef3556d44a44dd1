"""The floors: backprop written by hand in plain NumPy, no engine.

python benchmarks/handwritten.py xor N        2-2-1 sigmoid, half squared error, batch of 4
python benchmarks/handwritten.py xor-RULE N   the same with examples/xor-RULE.toml's optimizer:
                                              momentum, adam, adamw, rmsprop
python benchmarks/handwritten.py large N CSV  784-128-64-10 ReLU ReLU softmax + CE, 64 samples
"""

import sys

import numpy as np


def xor(n: int) -> float:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    rng = np.random.default_rng(3)
    W1, b1 = rng.standard_normal((2, 2)) * np.sqrt(0.5), np.zeros(2)
    W2, b2 = rng.standard_normal((1, 2)) * np.sqrt(0.5), np.zeros(1)
    lr, m = 1.0, 4
    loss = 0.0
    for _ in range(n):
        A1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        A2 = 1 / (1 + np.exp(-(A1 @ W2.T + b2)))
        loss = 0.5 * np.sum((A2 - Y) ** 2) / m
        d2 = (A2 - Y) / m * A2 * (1 - A2)
        d1 = (d2 @ W2) * A1 * (1 - A1)
        W2, b2 = W2 - lr * (d2.T @ A1), b2 - lr * d2.sum(0)
        W1, b1 = W1 - lr * (d1.T @ X), b1 - lr * d1.sum(0)
    return loss


def xor_with(rule: str, n: int) -> float:
    """xor(n) with the optimizer and learning rate of examples/xor-RULE.toml, PyTorch's rules."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    rng = np.random.default_rng(3)
    W1, b1 = rng.standard_normal((2, 2)) * np.sqrt(0.5), np.zeros(2)
    W2, b2 = rng.standard_normal((1, 2)) * np.sqrt(0.5), np.zeros(1)
    params = [W2, b2, W1, b1]
    lr = {"momentum": 1.0, "adam": 0.1, "adamw": 0.1, "rmsprop": 0.01}[rule]
    m_, v_ = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    m = 4
    loss = 0.0
    for t in range(1, n + 1):
        W2, b2, W1, b1 = params
        A1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        A2 = 1 / (1 + np.exp(-(A1 @ W2.T + b2)))
        loss = 0.5 * np.sum((A2 - Y) ** 2) / m
        d2 = (A2 - Y) / m * A2 * (1 - A2)
        d1 = (d2 @ W2) * A1 * (1 - A1)
        grads = [d2.T @ A1, d2.sum(0), d1.T @ X, d1.sum(0)]
        for i, (p, g) in enumerate(zip(params, grads)):
            if rule == "momentum":
                m_[i] = 0.9 * m_[i] + g
                params[i] = p - lr * m_[i]
            elif rule == "rmsprop":
                v_[i] = 0.99 * v_[i] + 0.01 * g * g
                params[i] = p - lr * g / (np.sqrt(v_[i]) + 1e-8)
            else:
                if rule == "adamw":
                    p = p - lr * 0.01 * p
                m_[i] = 0.9 * m_[i] + 0.1 * g
                v_[i] = 0.999 * v_[i] + 0.001 * g * g
                m_hat, v_hat = m_[i] / (1 - 0.9**t), v_[i] / (1 - 0.999**t)
                params[i] = p - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return loss


def large(n: int, csv: str) -> float:
    data = np.loadtxt(csv, delimiter=",", ndmin=2)
    X, Y = data[:, :784], data[:, 784:]
    rng = np.random.default_rng(0)
    sizes = [784, 128, 64, 10]
    W = [rng.standard_normal((sizes[i + 1], sizes[i])) * np.sqrt(2 / sizes[i]) for i in range(3)]
    b = [np.zeros(s) for s in sizes[1:]]
    lr, m = 0.1, X.shape[0]
    loss = 0.0
    for _ in range(n):
        Z1 = X @ W[0].T + b[0]
        A1 = np.maximum(Z1, 0)
        Z2 = A1 @ W[1].T + b[1]
        A2 = np.maximum(Z2, 0)
        Z3 = A2 @ W[2].T + b[2]
        E = np.exp(Z3 - Z3.max(axis=1, keepdims=True))
        A3 = E / E.sum(axis=1, keepdims=True)
        loss = -np.sum(Y * np.log(A3)) / m
        d3 = (A3 - Y) / m
        d2 = (d3 @ W[2]) * (Z2 > 0)
        d1 = (d2 @ W[1]) * (Z1 > 0)
        for i, (d, a) in enumerate(((d1, X), (d2, A1), (d3, A2))):
            W[i], b[i] = W[i] - lr * (d.T @ a), b[i] - lr * d.sum(0)
    return loss


if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind.startswith("xor-"):
        print(xor_with(kind.removeprefix("xor-"), n))
    else:
        print(xor(n) if kind == "xor" else large(n, sys.argv[3]))
