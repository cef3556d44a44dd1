"""Optimizers, l2 and mini-batches (issue 16) against a second implementation written here from
PyTorch's documented algorithms (torch.optim.SGD, Adam, AdamW, RMSprop), with gradients from
tests/nets.py's per-sample reference: nothing of the engine's update code is called."""

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import network as netmod
from engine import notation
from engine.derivation import derive
from engine.gradcheck import check
from engine.network import Layer, Network, NetworkError, initial_params, load, loads, save
from engine.optimizers import OPTIMIZERS, kernels, state_roles
from engine.scalar import cell, cell_indices
from engine.stepper import Stepper
from engine.training import evaluate, train

from .conftest import XOR_FILE
from .nets import reference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES, PRESETS = ROOT / "examples", ROOT / "engine" / "presets"

ITERATIONS = 60

# (name, settings): every rule and branch, each with and without weight decay
RULES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.8, "nesterov": True}),
    ("adam", {}),
    ("adamw", {"weight_decay": 0.0}),
    ("rmsprop", {}),
]
CASES = [
    pytest.param(
        name, {**given, **({"weight_decay": 0.05} if decay else {})}, l2, k, id=f"{name}{given}-wd{decay}-l2{l2}-k{k}"
    )
    for (name, given), decay, l2, k in itertools.product(RULES, (False, True), (0.0, 0.01), (0, 2))
]
RATES = {"sgd": 0.1, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.005}


def small_network(name="sgd", given=None, l2=0.0, batch_size=0, frozen=("b1",)) -> Network:
    """3-4-2, tanh then sigmoid with bce, 5 samples (mini-batches of 2: rows 0-1, 2-3, 4)."""
    rng = np.random.default_rng(7)
    sizes, acts = [3, 4, 2], ["tanh", "sigmoid"]
    return Network(
        name="small",
        inputs=3,
        layers=tuple(Layer(u, a) for u, a in zip(sizes[1:], acts)),
        loss="bce",
        learning_rate=RATES[name],
        params=initial_params(sizes, acts, 5),
        X=rng.standard_normal((5, 3)),
        Y=rng.uniform(0, 1, (5, 2)).round(1),
        frozen=frozen,
        optimizer=OPTIMIZERS[name].settings(**(given or {})),
        l2=l2,
        batch_size=batch_size,
    )


# -- the second implementation ------------------------------------------------------------------


def rows_of(m, k, i):
    """Mini-batch i mod ⌈m/k⌉: k rows in file order, the last one the rows that remain."""
    if k == 0 or k >= m:
        return slice(0, m)
    j = i % -(-m // k)
    return slice(j * k, min(j * k + k, m))


def torch_rule(name, s, lr, t, theta, g, st_):
    """One parameter's update exactly as PyTorch's documentation writes it (maximize False,
    dampening 0, amsgrad False, centered False). st_: this parameter's state dict."""
    lam = s.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    if name == "sgd":
        mu = s.get("momentum", 0.0)
        if lam != 0:
            g = g + lam * theta
        if mu != 0:
            b = g if t == 1 else mu * st_["b"] + g
            st_["b"] = b
            g = g + mu * b if s.get("nesterov", False) else b
        return theta - lr * g
    if name in ("adam", "adamw"):
        b1, b2, eps = s.get("beta1", 0.9), s.get("beta2", 0.999), s.get("eps", 1e-8)
        if name == "adamw":
            theta = theta - lr * lam * theta
        elif lam != 0:
            g = g + lam * theta
        m = b1 * st_.get("m", 0.0) + (1 - b1) * g
        v = b2 * st_.get("v", 0.0) + (1 - b2) * g**2
        st_["m"], st_["v"] = m, v
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    alpha, eps = s.get("alpha", 0.99), s.get("eps", 1e-8)  # rmsprop
    if lam != 0:
        g = g + lam * theta
    v = alpha * st_.get("v", 0.0) + (1 - alpha) * g**2
    st_["v"] = v
    return theta - lr * g / (np.sqrt(v) + eps)


@pytest.mark.parametrize("name, given", [(n, {**g, **d}) for n, g in RULES for d in ({}, {"weight_decay": 0.05})])
def test_the_kernels_are_pytorchs_documented_rules(name, given):
    """60 updates of one parameter from random gradients of many sizes: the same numbers to the last bit."""
    settings = OPTIMIZERS[name].settings(**given)
    rng = np.random.default_rng(1)
    p = rng.standard_normal((3, 2))
    expected, state = p.copy(), {}
    moving = {role: np.zeros_like(p) for role in state_roles(settings)}
    for t in range(1, 61):
        g = rng.standard_normal(p.shape) * 10.0 ** rng.integers(-4, 2)
        values = {"old": p, "grad": g, **moving}
        kernels(settings.factors(), settings, 0.01, t, values)
        p, moving = values["old"], {role: values[role] for role in moving}
        expected = torch_rule(name, given, 0.01, t, expected, g, state)
        np.testing.assert_array_equal(p, expected)


def second_implementation(net, name, given, iterations):
    params = {k: v.copy() for k, v in net.params.items()}
    states = {k: {} for k in params}
    losses = []
    for t in range(1, iterations + 1):
        rows = rows_of(net.samples, net.batch_size, t - 1)
        loss, grads = reference(dataclasses.replace(net, X=net.X[rows], Y=net.Y[rows]), params)
        weights = [k for k in params if k.startswith("W")]
        losses.append(loss + net.l2 / 2 * sum(np.sum(params[W] ** 2) for W in weights))
        for W in weights:
            grads[W] = grads[W] + net.l2 * params[W]
        for k in params:
            if k not in net.frozen:
                params[k] = torch_rule(name, given, net.learning_rate, t, params[k], grads[k], states[k])
    return params, losses


# -- the laws ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, given, l2, k", CASES)
def test_stepper_and_train_follow_pytorchs_documented_rules(name, given, l2, k):
    net = small_network(name, given, l2, k)
    expected, losses = second_implementation(net, name, given, ITERATIONS)
    s = Stepper(net)
    for _ in range(ITERATIONS):
        s.finish_iteration()
        s.next()
    fast = train(net, ITERATIONS)
    for p in expected:  # the two sum the gradients in different orders: 60 iterations apart by ~1e-14,
        # up to 4e-11 where RMSprop divides an entry of g = ∂L/∂p + λp that nearly cancels by its root
        np.testing.assert_allclose(s.start_params[p], expected[p], rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(fast.params[p], s.start_params[p])  # to the last bit
    np.testing.assert_allclose(s.losses, losses, rtol=1e-11)
    assert fast.losses == s.losses
    assert fast.state.t == s.start_state.t == ITERATIONS
    assert fast.state.arrays.keys() == s.start_state.arrays.keys()
    for q in fast.state.arrays:
        np.testing.assert_array_equal(fast.state.arrays[q], s.start_state.arrays[q])
    assert all(not q.endswith(":b1") for q in fast.state.arrays)  # b1 is frozen: no moving state
    np.testing.assert_array_equal(s.start_params["b1"], net.params["b1"])


@pytest.mark.parametrize("name, given", RULES)
def test_a_run_in_several_pieces_lands_where_one_run_lands(name, given):
    """The state travels with the parameters through run, and across mini-batches."""
    net = small_network(name, given, 0.01, 2)
    a, b = Stepper(net), Stepper(net)
    a.run(13)
    for count in (4, 1, 8):
        b.run(count)
    b.finish_phase()
    b.back()
    assert (a.iteration, b.iteration) == (13, 13)
    for p in a.start_params:
        np.testing.assert_array_equal(a.start_params[p], b.start_params[p])
    for q in a.start_state.arrays:
        np.testing.assert_array_equal(a.start_state.arrays[q], b.start_state.arrays[q])
    assert a.start_state.t == b.start_state.t == 13


def stepper_state(s: Stepper):
    return (
        s.iteration,
        s.cursor,
        s.sample,
        {k: v.tolist() for k, v in s.params.items()},
        s.state.t,
        {k: v.tolist() for k, v in s.state.arrays.items()},
        list(s.losses),
        s.loss,
        list(s.rows),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(RULES),
    st.sampled_from([0, 2]),
    st.lists(st.sampled_from(["next", "back", "phase", "iteration", "reset", "run"]), max_size=40),
)
def test_undo_law_with_the_optimizers_state(rule, k, actions):
    net = small_network(*rule, 0.01, k)
    s = Stepper(net)
    for action in actions:
        if action == "next":
            s.next()
        elif action == "back":
            s.back()
        elif action == "phase":
            s.finish_phase()
        elif action == "iteration":
            s.finish_iteration()
        elif action == "reset":
            s.reset()
        else:
            s.run(3)
    fresh = Stepper(net)
    while fresh.iteration < s.iteration:
        fresh.next()
    fresh.goto(s.cursor)
    assert stepper_state(s) == stepper_state(fresh)


def test_the_update_phase_steps_every_factor_in_pytorchs_order():
    net = small_network("adam", {"weight_decay": 0.1})
    it = derive(net, net.params, net.X, net.Y)
    update = [(s.writes, s.relation) for s in it.steps if s.phase == "update"]
    assert update[:6] == [
        ("g:W2", "="),
        ("m:W2", "←"),
        ("v:W2", "←"),
        ("mhat:W2", "="),
        ("vhat:W2", "="),
        ("W2", "←"),
    ]
    assert [w for w, _ in update if ":" not in w] == ["W2", "b2", "W1"]  # b1 is frozen
    adamw = derive(dataclasses.replace(net, optimizer=OPTIMIZERS["adamw"].settings()), net.params, net.X, net.Y)
    assert [s.writes for s in adamw.steps if s.phase == "update"][:2] == ["W2", "m:W2"]  # decoupled decay first


def test_adams_first_step_moves_every_entry_by_about_eta():
    """At t = 1, m̂ = g and v̂ = g², so the step is η·g/(|g| + ε): ±η whatever the gradient's size."""
    net = small_network("adam", frozen=())
    it = derive(net, net.params, net.X, net.Y)
    for p in net.params:
        moved = np.abs(it.params_after[p] - net.params[p])
        grad = np.abs(it.grads[p])
        np.testing.assert_allclose(moved, net.learning_rate * grad / (grad + 1e-8), rtol=1e-9)
    mhat = next(s for s in it.steps if s.writes == "mhat:W2")
    np.testing.assert_allclose(mhat.value, it.grads["W2"], rtol=1e-12)
    assert "t = 1" in mhat.explanation and "0.9¹" in mhat.substitution()


def test_plain_sgd_written_out_is_todays_gradient_descent():
    """An [optimizer] table of sgd with momentum 0 and no weight decay: the same Steps as none."""
    net = small_network("sgd")
    plain = dataclasses.replace(net, optimizer=OPTIMIZERS["sgd"].settings())
    a, b = derive(net, net.params, net.X, net.Y), derive(plain, net.params, net.X, net.Y)
    assert [(s.formula, s.substitution()) for s in a.steps] == [(s.formula, s.substitution()) for s in b.steps]
    assert a.state_after.arrays == {} and a.state_after.t == 1


def test_l2_is_its_own_term_and_the_gradient_check_agrees():
    net = small_network("adam", l2=0.3, frozen=())
    it = derive(net, net.params, net.X, net.Y)
    loss = next(s for s in it.steps if s.writes == "L")
    assert "(λ/2) (‖W₁‖² + ‖W₂‖²)" in loss.formula and "(0.3/2)" in loss.substitution()
    dW = next(s for s in it.steps if s.writes == "dL/dW1")
    assert dW.formula.endswith("+ λW₁") and "W" in dW.roles
    assert all(r.ok for r in check(net))
    plain = dataclasses.replace(net, l2=0.0)
    penalty = 0.3 / 2 * sum(np.sum(net.params[W] ** 2) for W in ("W1", "W2"))
    assert it.loss == pytest.approx(derive(plain, net.params, net.X, net.Y).loss + penalty, rel=1e-14)


def test_l2_with_plain_sgd_is_weight_decay():
    """λW in the gradient or PyTorch's weight_decay: the same update for plain SGD."""
    l2 = small_network("sgd", l2=0.05)
    decay = small_network("sgd", {"weight_decay": 0.05})  # on the biases too, l2 on the weights only
    a = derive(l2, l2.params, l2.X, l2.Y).params_after
    b = train(decay, 1).params
    for W in ("W1", "W2"):
        np.testing.assert_array_equal(a[W], b[W])


def test_mini_batches_walk_the_rows_in_file_order_and_say_where_an_epoch_ends():
    s = Stepper(small_network(batch_size=2))
    seen = []
    for _ in range(7):
        seen.append((list(s.rows), s.ends_epoch, s.batch()[0].shape[0]))
        s.finish_iteration()
        s.next()
    assert seen == [
        ([0, 1], False, 2),
        ([2, 3], False, 2),
        ([4], True, 1),
        ([0, 1], False, 2),
        ([2, 3], False, 2),
        ([4], True, 1),
        ([0, 1], False, 2),
    ]
    s.set_sample(1)  # iteration 7 walks rows 2-3: its sample 1 is row 3
    np.testing.assert_array_equal(s.batch(s.sample)[0], s.network.X[3:4])
    s.set_sample(4)  # past the mini-batch: its last row
    np.testing.assert_array_equal(s.batch(s.sample)[0], s.network.X[3:4])
    with pytest.raises(IndexError):
        s.set_sample(5)


def test_a_state_restored_continues_exactly():
    net = small_network("rmsprop", l2=0.01, batch_size=2)
    a = Stepper(net)
    a.run(9)
    b = Stepper(net)
    b.restore(a.iteration, a.start_params, a.losses, None, 0, a.start_state)
    a.run(5)
    b.run(5)
    for p in a.start_params:
        np.testing.assert_array_equal(a.start_params[p], b.start_params[p])
    assert b.start_state.t == 14


# -- the network file ----------------------------------------------------------------------------


def _file(top: str = "", table: str = "") -> str:
    return XOR_FILE.replace("seed = 1\n", f"seed = 1\n{top}\n{table}\n")


# (case id, file text, the key the message names, words the message holds)
BAD_KEYS = [
    (
        "name",
        _file(table='[optimizer]\nname = "adagrad"'),
        "optimizer.name",
        "expected one of: sgd, adam, adamw, rmsprop",
    ),
    ("not-a-table", _file('optimizer = "adam"'), "optimizer", "expected a table"),
    ("key-of-another", _file(table='[optimizer]\nname = "sgd"\nbeta1 = 0.9'), "optimizer.beta1", "unknown key"),
    (
        "default-name-sgd",
        _file(table="[optimizer]\nalpha = 0.9"),
        "optimizer.alpha",
        'without name = "…" the optimizer is sgd',
    ),
    ("eps-zero", _file(table='[optimizer]\nname = "adam"\neps = 0'), "optimizer.eps", "a finite number > 0"),
    (
        "state-v-negative",
        _file(
            table='[optimizer]\nname = "rmsprop"\n[optimizer.state]\nt = 3\n'
            '"v:W1" = [[0, 0], [0, 0]]\n"v:b1" = [0, 0]\n"v:W2" = [[-1, 0]]\n"v:b2" = [0]'
        ),
        "optimizer.state.v:W2",
        "negative",
    ),
    ("momentum-negative", _file(table="[optimizer]\nmomentum = -0.5"), "optimizer.momentum", "number ≥ 0"),
    ("momentum-string", _file(table='[optimizer]\nmomentum = "high"'), "optimizer.momentum", "number ≥ 0"),
    (
        "nesterov-number",
        _file(table="[optimizer]\nmomentum = 0.9\nnesterov = 1"),
        "optimizer.nesterov",
        "true or false",
    ),
    ("nesterov-alone", _file(table="[optimizer]\nnesterov = true"), "optimizer.nesterov", "momentum > 0"),
    ("beta1-one", _file(table='[optimizer]\nname = "adam"\nbeta1 = 1.0'), "optimizer.beta1", "below 1"),
    ("beta2-nan", _file(table='[optimizer]\nname = "adamw"\nbeta2 = nan'), "optimizer.beta2", "below 1"),
    ("alpha-bool", _file(table='[optimizer]\nname = "rmsprop"\nalpha = true'), "optimizer.alpha", "below 1"),
    ("eps-negative", _file(table='[optimizer]\nname = "adam"\neps = -1e-8'), "optimizer.eps", "finite number > 0"),
    ("decay-inf", _file(table='[optimizer]\nname = "adam"\nweight_decay = inf'), "optimizer.weight_decay", "finite"),
    ("l2-negative", _file("l2 = -0.1"), "l2", "number ≥ 0"),
    ("l2-string", _file('l2 = "a little"'), "l2", "number ≥ 0"),
    ("batch-float", _file("batch_size = 2.5"), "batch_size", "whole number"),
    ("batch-negative", _file("batch_size = -1"), "batch_size", "from 0"),
    ("state-t", _file(table='[optimizer]\nname = "adam"\n[optimizer.state]\nt = -1'), "optimizer.state.t", "from 0"),
    (
        "state-missing-array",
        _file(table='[optimizer]\nname = "rmsprop"\n[optimizer.state]\nt = 3\n"v:W1" = [[0, 0], [0, 0]]'),
        "optimizer.state.v:b1",
        "missing",
    ),
    (
        "state-shape",
        _file(table='[optimizer]\nname = "sgd"\nmomentum = 0.5\n[optimizer.state]\nt = 1\n"buf:b2" = [1, 2]'),
        "optimizer.state.buf:b2",
        "expected 1 number",
    ),
    (
        "state-unknown",
        _file(table='[optimizer]\nname = "sgd"\nmomentum = 0.5\n[optimizer.state]\nt = 1\n"m:W1" = 0'),
        "optimizer.state.m:W1",
        "unknown key",
    ),
]


@pytest.mark.parametrize("text, key, words", [pytest.param(*case[1:], id=case[0]) for case in BAD_KEYS])
def test_each_new_key_is_checked_with_a_one_line_error(text, key, words):
    with pytest.raises(NetworkError) as err:
        loads(text, "net.toml")
    assert err.value.key == key and words in err.value.message, str(err.value)
    assert "\n" not in str(err.value)


def test_keys_left_out_take_pytorchs_defaults():
    adamw = loads(_file(table='[optimizer]\nname = "adamw"'))
    assert (adamw.optimizer.weight_decay, adamw.optimizer.beta2, adamw.optimizer.eps) == (0.01, 0.999, 1e-8)
    rmsprop = loads(_file(table='[optimizer]\nname = "rmsprop"'))
    assert (rmsprop.optimizer.alpha, rmsprop.optimizer.weight_decay) == (0.99, 0.0)
    plain = loads(XOR_FILE)
    assert plain.optimizer.plain and (plain.l2, plain.batch_size, plain.optimizer_state) == (0.0, 0, None)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_saving_writes_the_settings_and_the_state_back_and_training_goes_on_exactly(example, tmp_path):
    net = load(example)
    s = Stepper(net)
    s.run(8)  # a whole number of epochs: a saved network starts again at row 0
    path = tmp_path / "saved.toml"
    save(net.with_params(s.start_params, s.start_state), path)
    again = load(path)
    assert (again.optimizer, again.l2, again.batch_size) == (net.optimizer, net.l2, net.batch_size)
    s.run(5)
    fresh = Stepper(again)
    fresh.run(5)
    for p in s.start_params:
        np.testing.assert_array_equal(fresh.start_params[p], s.start_params[p])
    assert fresh.start_state.t == s.start_state.t == 13


def test_a_large_network_keeps_its_state_beside_its_parameters(tmp_path, monkeypatch):
    monkeypatch.setattr(netmod, "INLINE_PARAMS", 4)  # xor's 9 parameters go to the .npz
    net = load(EXAMPLES / "xor-adam.toml")
    s = Stepper(net)
    s.run(3)
    path = tmp_path / "big.toml"
    save(net.with_params(s.start_params, s.start_state), path)
    assert 'file = "big.params.npz"' in path.read_text()
    again = load(path)
    for q, value in s.start_state.arrays.items():
        np.testing.assert_array_equal(again.optimizer_state.arrays[q], value)
    assert again.optimizer_state.t == 3


def test_momentum_learns_xor_in_fewer_iterations_than_plain_gradient_descent():
    def iterations_to(net, threshold=0.01):
        losses = np.array(train(net, 3000).losses)
        return int(np.argmax(losses < threshold)) + 1 if (losses < threshold).any() else None

    plain = iterations_to(load(PRESETS / "xor.toml"))
    momentum = iterations_to(load(EXAMPLES / "xor-momentum.toml"))
    assert momentum is not None and plain is not None and momentum * 4 < plain  # ~200 against ~1,600


def test_a_resumed_session_continues_with_the_same_state(tmp_path):
    """The place file carries t and the moving arrays: a killed window resumes exactly; a place
    written before the optimizers (no t) starts the optimizer afresh."""
    from tui.session import SessionWriter, load_place

    net = load(EXAMPLES / "xor-adam.toml")
    s = Stepper(net)
    s.run(6)
    s.goto(4)
    writer = SessionWriter(tmp_path)
    writer.save(s, 0, 4)
    place = load_place(tmp_path)
    assert place.state.t == 6
    resumed = place.stepper()
    assert (resumed.iteration, resumed.cursor) == (6, 4)
    s.run(4)
    resumed.run(4)
    for p in s.start_params:
        np.testing.assert_array_equal(resumed.start_params[p], s.start_params[p])
    for q in s.start_state.arrays:
        np.testing.assert_array_equal(resumed.start_state.arrays[q], s.start_state.arrays[q])
    writer.close()


def test_a_place_written_before_the_optimizers_still_resumes(tmp_path):
    from tui.session import SessionWriter, load_place

    s = Stepper(load(EXAMPLES / "xor-momentum.toml"))
    s.run(3)
    writer = SessionWriter(tmp_path)
    writer.save(s, 0, 4)
    (place_file,) = tmp_path.glob("place-*.npz")
    with np.load(place_file) as arrays:  # as the writer did before: parameters and losses only
        old = {k: arrays[k] for k in arrays.files if ":" not in k and k != "t"}
    np.savez(place_file, **old)
    place = load_place(tmp_path)
    assert place.state is None and place.stepper().start_state.t == 0
    writer.close()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_the_quiz_writes_each_cell_of_the_new_steps_as_scalars(example):
    net = load(example)
    s = Stepper(net)
    s.run(2)
    fmt = notation.significant(6)
    for step in s.steps:
        for index in cell_indices(step)[:2]:
            c = cell(step, index, net, fmt)
            assert c.value == step.value[index] and c.formula and c.substitution


def test_train_save_writes_the_state_and_the_saved_network_goes_on_exactly(tmp_path, capsys):
    from tui.cli import main

    path = tmp_path / "adam-10.toml"
    assert main(["train", str(EXAMPLES / "xor-adam.toml"), "-n", "10", "--save", str(path)]) == 0
    saved = load(path)
    assert saved.optimizer_state.t == 10
    np.testing.assert_array_equal(
        train(saved, 5).params["W1"], train(load(EXAMPLES / "xor-adam.toml"), 15).params["W1"]
    )


def test_a_diverged_run_is_located_from_the_optimizers_state():
    from engine.divergence import locate
    from engine.presets import resolve

    net = dataclasses.replace(
        resolve("regression"), optimizer=OPTIMIZERS["sgd"].settings(momentum=0.99), learning_rate=5.0, batch_size=3
    )
    result = train(net, 2000)
    assert result.diverged and result.previous_state.t == result.iterations - 1 == result.state.t - 1
    states = (result.previous_state, result.state)
    found = locate(net, result.previous, result.params, net.X, net.Y, result.iterations, states)
    assert found is not None


def test_the_common_mistake_sends_delta_back_through_the_optimizers_own_update():
    """Under Adam the weights "already updated" are Adam's W₂ after this iteration, not W₂ − η∂L/∂W₂."""
    net = small_network("adam", {"weight_decay": 0.1})
    right = derive(net, net.params, net.X, net.Y)
    slip = derive(net, net.params, net.X, net.Y, mistake=True)
    sent_back = next(s for s in slip.steps if s.writes == "dL/da1")
    assert any(
        operand is not None and np.array_equal(operand, right.params_after["W2"]) for operand in sent_back.operands
    )
    np.testing.assert_array_equal(sent_back.value, right.values["delta2"] @ right.params_after["W2"])
    assert "W₂ as Adam updates it" in sent_back.explanation


# -- in the app ----------------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
async def test_every_example_walks_a_whole_iteration_in_the_app(example):
    """Every factor of the update on screen: its formula and result in the step panel, every
    operand named (the optimizer's m, v, buffers too), the array it writes in its layer's panel."""
    from tests.test_app import SIZE, layer_text, status, step_text
    from tests.test_screen import grid_in_sight, shown_grid
    from tui.app import BackpropApp
    from tui.widgets.matrices import per_sample

    net = load(example)
    app = BackpropApp(net)
    fmt = notation.fixed(4)
    async with app.run_test(size=SIZE) as pilot:
        for k in range(app.stepper.total):
            await pilot.press("n")
            step = app.stepper.step
            text = step_text(app)
            assert step.formula in text and "⁺" not in text, (example.stem, k, step.formula)
            grid = shown_grid(step.value, step.column, per_sample(step.writes), False, app.view.row)
            assert grid_in_sight(text.split("\n"), grid, fmt), (example.stem, k, step.formula)
            if step.phase == "update":
                assert step.symbol[0] in layer_text(app, step.layer)
        if not net.optimizer.plain:
            assert net.optimizer.title in status(app)


async def test_the_header_says_the_mini_batchs_rows_and_where_an_epoch_ends():
    from tests.test_app import SIZE, status
    from tui.app import BackpropApp

    app = BackpropApp(load(EXAMPLES / "xor-l2-minibatch.toml"))
    async with app.run_test(size=SIZE) as pilot:
        assert "rows 0–1 of 4" in status(app) and "epoch" not in status(app)
        await pilot.press("i", "n")
        assert "rows 2–3 of 4 · epoch 1 ends" in status(app)
        await pilot.press("m")
        assert "sample 2 of rows 2–3" in status(app)
        await pilot.press("right_square_bracket")
        assert "sample 3 of rows 2–3" in status(app)
        np.testing.assert_array_equal(app.stepper.value("x"), app.network.X[3:4])
        await pilot.press("right_square_bracket")  # the samples of the mini-batch, round
        assert "sample 2 of rows 2–3" in status(app)


async def test_compare_shows_both_optimizers_losses_per_iteration():
    """The same start under the network's optimizer and another: the losses t would give."""
    from textual.widgets import DataTable

    from tests.test_app import SIZE
    from tui.app import BackpropApp
    from tui.screens.compare import CompareScreen

    net = load(EXAMPLES / "xor-momentum.toml")
    app = BackpropApp(net)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.other == OPTIMIZERS["adam"].settings()
        await app.workers.wait_for_complete()
        await pilot.pause()
        fmt = notation.fixed(4)
        adam = dataclasses.replace(net, optimizer=OPTIMIZERS["adam"].settings())
        mine, theirs = train(net, 100), train(adam, 100)
        after = evaluate(net, mine.params), evaluate(adam, theirs.params)  # on every sample
        mine, theirs = mine.losses, theirs.losses
        table = screen.query_one(DataTable)
        assert table.row_count == 100
        for i in (0, 1, 50, 99):
            row = [str(cell) for cell in table.get_row_at(i)]
            assert [cell.strip() for cell in row] == [f"{i + 1:,}", fmt(mine[i]).strip(), fmt(theirs[i]).strip()]
        verdict = str(screen.query_one("#compare-verdict").content)
        assert verdict.startswith("Loss on all 4 samples after 100 iterations: ")
        assert f"SGD, momentum 0.9 {fmt(after[0])}" in verdict and f"Adam {fmt(after[1])}" in verdict
        await pilot.press("right", "minus")  # another optimizer, 10 iterations
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.other == OPTIMIZERS["adamw"].settings() and table.row_count == 10
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


@pytest.mark.parametrize("sample", [None, 1])
def test_answer_knows_l2_and_judges_on_the_mini_batch_the_iteration_walks(sample):
    """The closed forms carry l2's terms, and the judge's rows are the iteration's mini-batch."""
    from engine.answer import Judge
    from engine.quantities import Quantity

    net = load(EXAMPLES / "xor-l2-minibatch.toml")
    for iteration, rows in ((0, slice(0, 2)), (1, slice(2, 4))):
        judge = Judge(net, sample, t=iteration)
        expected = net.X[rows] if sample is None else net.X[rows][sample : sample + 1]
        np.testing.assert_array_equal(judge.X, expected)
        for name in ("L", "dL/dW1", "dL/dW2", "dL/db1", "delta1"):
            form = judge.closed_form(Quantity.parse(name))
            assert judge.judge(Quantity.parse(name), form).correct, (name, form)
    judge = Judge(net)
    assert judge.closed_form(Quantity.parse("dL/dW2")).endswith(" + l2*W2")
    assert judge.closed_form(Quantity.parse("L")).endswith(" + (l2/2)*(sum(W1*W1) + sum(W2*W2))")
    for typed in ("δ₂ᵀA₁ + λW₂", "delta2.T @ A1 + lambda*W2", "delta2.T @ A1 + l2*W2"):  # as on screen, or typed
        assert judge.judge(Quantity.parse("dL/dW2"), typed).correct, typed
    verdict = judge.judge(Quantity.parse("dL/dW2"), "delta2.T @ A1")  # without λW
    assert not verdict.correct and "the l2 term is missing" in verdict.message


def test_derive_mode_does_not_ask_an_optimizers_update_as_plain_gradient_descent():
    from engine.answer import Judge
    from engine.quantities import Quantity

    adam = Judge(load(EXAMPLES / "xor-adam.toml"))
    assert "under Adam an update is stepped factor by factor" in adam.unanswerable(Quantity.parse("W2"), updated=True)
    assert "stepped factor by factor" in adam.unanswerable(Quantity.parse("m:W2"), updated=True)
    assert Judge(loads(XOR_FILE)).unanswerable(Quantity.parse("W2"), updated=True) == ""


def test_the_text_trace_says_the_optimizer_and_each_iterations_rows(capsys):
    from tui.cli import main

    assert main(["trace", str(EXAMPLES / "xor-l2-minibatch.toml"), "-n", "3", "--sample", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("learning rate η = 0.5, optimizer SGD, momentum 0.9, l2 λ = 0.0001")
    assert "mini-batches of 2 of the m = 4 samples" in lines[1]
    heads = [line for line in lines if line.startswith("Iteration")]
    assert heads == [
        "Iteration 1 (row 1 of rows 0–1)",
        "Iteration 2 (row 3 of rows 2–3, the last of epoch 1)",
        "Iteration 3 (row 1 of rows 0–1)",
    ]


@pytest.mark.parametrize("optimizer", ["momentum", "plain"])
def test_a_network_saved_mid_epoch_goes_on_with_the_next_mini_batch(tmp_path, capsys, optimizer):
    """The mini-batch follows the optimizer's count of updates t, which a saved network carries."""
    from tui.cli import main

    text = (EXAMPLES / "xor-l2-minibatch.toml").read_text()
    if optimizer == "plain":
        text = text.replace('[optimizer]\nname = "sgd"\nmomentum = 0.9\n', "")
    (tmp_path / "net.toml").write_text(text)
    assert main(["train", str(tmp_path / "net.toml"), "-n", "1", "--save", str(tmp_path / "one.toml")]) == 0
    saved = load(tmp_path / "one.toml")
    assert saved.optimizer_state.t == 1 and Stepper(saved).rows == range(2, 4)
    assert saved.name == load(tmp_path / "net.toml").name  # not an optimizer array's id
    np.testing.assert_array_equal(train(saved, 4).params["W1"], train(load(tmp_path / "net.toml"), 5).params["W1"])
    assert "loss on all 4 samples after 1 iteration" in capsys.readouterr().out


async def test_a_mini_batch_numbers_its_rows_as_the_data_does():
    """X's rows keep their numbers in a mini-batch; a mini-batch of one row says which row it is."""
    from tests.test_app import SIZE, layer_text, status
    from tui.app import BackpropApp

    net = dataclasses.replace(load(EXAMPLES / "xor-l2-minibatch.toml"), batch_size=3)
    app = BackpropApp(net)
    async with app.run_test(size=SIZE) as pilot:
        assert "rows 0–2 of 4" in status(app)
        await pilot.press("i", "n")  # iteration 2: the row that remains
        assert "row 3 of 4 · epoch 1 ends" in status(app) and "None" not in layer_text(app, 1)
        assert "(sample 3)" in layer_text(app, 1)
        await pilot.press("i", "n")  # iteration 3: rows 0–2 again, the losses not compared across rows
        assert "Iteration 2's loss on its mini-batch" in str(app.query_one("#updates").text.plain)
        assert "(its mini-batch)" in str(app.query_one("#loss-label").content)

    app = BackpropApp(load(EXAMPLES / "xor-l2-minibatch.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n")
        lines = layer_text(app, 1).split("\n")
        assert any(line.split()[:1] == ["▸2"] for line in lines) and any(line.split()[:1] == ["3"] for line in lines)


async def test_adams_header_says_t():
    from tests.test_app import SIZE, status
    from tui.app import BackpropApp

    app = BackpropApp(load(EXAMPLES / "xor-adam.toml"))
    async with app.run_test(size=SIZE) as pilot:
        assert "Adam, t = 1" in status(app)
        await pilot.press("i", "n")
        assert "Adam, t = 2" in status(app)


def test_one_weights_chain_adds_the_l2_term_and_agrees_with_backprop():
    from engine.chain import weight_chain

    net = dataclasses.replace(load(EXAMPLES / "xor-l2-minibatch.toml"), l2=0.5)
    s = Stepper(net)
    for name in ("W1", "W2", "b1"):
        for index in np.ndindex(net.params[name].shape):
            chain = weight_chain(net, s.derived, name, index, column=False)
            assert chain.agrees, (name, index)
            assert chain.l2 == (0.5 * net.params[name][index] if name.startswith("W") else 0.0)


def test_the_quiz_names_a_mini_batchs_cells_by_the_datas_rows():
    """Rows 2–3's first cell is Z₁[2,0], as X's rows are labelled there; a weight's stays W₁[0,0]."""
    from engine.scalar import cell

    net = load(EXAMPLES / "xor-l2-minibatch.toml")
    s = Stepper(net)
    s.finish_iteration()
    s.next()  # iteration 2, ready
    s.next()
    assert s.rows == range(2, 4)
    z = s.step  # Z₁ = XW₁ᵀ + b₁ of the second mini-batch
    c = cell(z, (0, 0), net, notation.fixed(4), first_row=s.rows.start)
    assert c.label == "Z₁[2,0]" and c.formula == "W₁[0,0]·X[2,0] + W₁[0,1]·X[2,1] + b₁[0]"
    assert cell(z, (0, 0), net, notation.fixed(4)).label == "Z₁[0,0]"


async def test_compare_shows_a_network_name_as_written_never_as_markup():
    from tests.test_app import SIZE
    from tui.app import BackpropApp

    net = dataclasses.replace(load(EXAMPLES / "xor-adam.toml"), name="[b]bold[/b] [@click=app.quit]x[/]")
    app = BackpropApp(net)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#compare-what").render())
        assert shown.startswith("[b]bold[/b] [@click=app.quit]x[/]: the same start")
