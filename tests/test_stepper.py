"""The Stepper: exact undo, the undo law, finishing, running, samples, bounded history."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.derivation import derive
from engine.presets import names, resolve
from engine.stepper import Stepper
from engine.training import train, train_in_chunks


def state(s: Stepper):
    """Everything that decides what the screen shows."""
    return (
        s.iteration,
        s.cursor,
        s.sample,
        s.step.index if s.step else None,
        {k: v.tolist() for k, v in s.params.items()},
        list(s.losses),
        s.loss,
    )


def replay(network, iteration, cursor, sample_per_iteration):
    """A fresh Stepper walked forward with `next` only to (iteration, cursor)."""
    fresh = Stepper(network)
    for k in range(iteration):
        fresh.set_sample(sample_per_iteration[k])
        while not (fresh.iteration == k + 1):
            fresh.next()
    fresh.set_sample(sample_per_iteration[iteration])
    for _ in range(cursor):
        fresh.next()
    return fresh


ACTIONS = st.lists(st.sampled_from(["next", "back", "phase", "iteration", "reset", "sample", "batch"]), max_size=60)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(names()), ACTIONS, st.randoms(use_true_random=False))
def test_undo_law_any_path_equals_a_fresh_replay(preset, actions, rnd):
    net = resolve(preset)
    s = Stepper(net)
    samples = {0: None}  # the sample each iteration walked on this path
    before_resets = []  # what each reset left behind: back at the start returns there
    for action in actions:
        if action == "next":
            s.next()
        elif action == "back":
            at_start = (s.iteration, s.cursor) == (0, 0)
            s.back()
            if at_start and before_resets:
                samples = before_resets.pop()
        elif action == "phase":
            s.finish_phase()
        elif action == "iteration":
            s.finish_iteration()
        elif action == "reset":
            if (s.iteration, s.cursor) != (0, 0):
                before_resets.append(dict(samples))
            s.reset()
        elif action == "sample":
            s.set_sample(rnd.randrange(net.samples))
        else:
            s.set_sample(None)
        samples[s.iteration] = s.sample
        for k in list(samples):
            if k > s.iteration:
                del samples[k]
    assert state(s) == state(replay(net, s.iteration, s.cursor, samples))


@pytest.mark.parametrize("preset", names())
def test_k_nexts_then_k_backs_return_to_the_very_same_state(preset):
    s = Stepper(resolve(preset))
    s.finish_phase()
    before = state(s)
    for k in (1, 7, 60):
        for _ in range(k):
            s.next()
        for _ in range(k):
            assert s.back()
        assert state(s) == before


def test_back_at_the_start_says_no():
    s = Stepper(resolve("xor"))
    assert s.back() is False
    assert (s.iteration, s.cursor) == (0, 0)


def test_a_reset_is_undone_by_back_with_all_its_history():
    """r wiped every trained iteration: back at the start of the new walk returns exactly to
    where the reset was pressed, and from there back steps through every earlier iteration."""
    s = Stepper(resolve("regression"))
    s.run(3)
    s.goto(2)
    s.set_sample(2)
    s.next()
    before = state(s)
    assert s.reset() is True
    assert (s.iteration, s.cursor, s.losses) == (0, 0, [])
    assert s.back() is True
    assert state(s) == before
    walked = []
    while s.back():
        walked.append((s.iteration, s.cursor))
    assert walked[-1] == (0, 0) and len(walked) == 3 + 3 * (s.total + 1)
    assert s.reset() is False  # at the start: nothing to undo, nothing remembered
    assert s.back() is False


def test_resets_are_undone_in_turn_and_stepping_after_a_reset_keeps_it_undoable():
    s = Stepper(resolve("xor"))
    s.finish_iteration()
    first = state(s)
    s.reset()
    s.run(2)
    second = state(s)
    s.reset()
    s.next()
    assert s.back() and s.back()  # the step taken, then the second reset
    assert state(s) == second
    while (s.iteration, s.cursor) != (0, 0):
        assert s.back()
    assert s.back() and state(s) == first


def test_history_bound_counts_what_a_reset_keeps():
    net = resolve("xor")
    per = sum(v.nbytes for v in net.params.values())
    s = Stepper(net, history_bytes=per * 10)
    s.run(6)
    s.reset()
    s.run(6)  # 7 checkpoints before the reset and 7 after: the 4 oldest go
    assert s.held_bytes == per * 10
    while s.back():
        pass
    assert (s.iteration, s.cursor, len(s.losses)) == (4, 0, 4) and s.oldest_iteration == 4


def test_canonical_order_for_xor():
    s = Stepper(resolve("xor"))
    kinds = [(st.phase, st.layer, st.kind) for st in s.steps]
    assert kinds == [
        ("forward", 1, "z"),
        ("forward", 1, "a"),
        ("forward", 2, "z"),
        ("forward", 2, "a"),
        ("loss", None, "loss"),
        ("backward", 2, "dL/da"),
        ("backward", 2, "da/dz"),
        ("backward", 2, "delta"),
        ("backward", 2, "dW"),
        ("backward", 2, "db"),
        ("backward", 1, "dL/da"),
        ("backward", 1, "da/dz"),
        ("backward", 1, "delta"),
        ("backward", 1, "dW"),
        ("backward", 1, "db"),
        ("update", 2, "update"),
        ("update", 2, "update"),
        ("update", 1, "update"),
        ("update", 1, "update"),
    ]
    assert s.total == 19


def test_simplified_delta_is_its_own_step_for_sigmoid_bce():
    s = Stepper(resolve("classification"))
    kinds = [st.kind for st in s.steps if st.layer == 3 and st.phase == "backward"]
    assert kinds == ["dL/da", "da/dz", "delta", "simplified", "dW", "db"]
    delta, simplified = [st for st in s.steps if st.writes == "delta3"]
    np.testing.assert_allclose(delta.operands[0] * delta.operands[1], simplified.value, rtol=1e-12)
    assert simplified.formula == "δ₃ = (A₃ − Y)/m"


def test_values_appear_only_once_computed():
    s = Stepper(resolve("xor"))
    assert s.value("z1") is None and s.value("delta2") is None
    np.testing.assert_array_equal(s.value("x"), s.network.X)
    s.next()
    assert s.value("z1") is not None and s.value("a1") is None
    s.finish_iteration()
    np.testing.assert_array_equal(s.value("W1"), s.derived.params_after["W1"])
    assert s.loss == s.derived.loss


def test_the_same_rows_are_the_same_arrays():
    """The panels know a value by its identity: the data is the same object while its rows are."""
    s = Stepper(resolve("xor"))
    x, y = s.value("x"), s.value("y")
    s.next()
    assert s.value("x") is x and s.value("y") is y
    s.set_sample(1)
    assert s.value("x") is not x
    np.testing.assert_array_equal(s.value("x"), s.network.X[1:2])
    s.set_sample(None)
    assert s.value("x") is x


@pytest.mark.parametrize("preset", names())
def test_a_quantity_has_its_shape_before_it_is_revealed(preset):
    s = Stepper(resolve(preset))
    s.set_sample(s.network.samples - 1)
    shapes = {step.writes: s.shape(step.writes) for step in s.steps}
    assert all(s.value(name) is None for name in shapes if not name.startswith(("W", "b")))
    s.finish_iteration()
    assert shapes == {name: s.value(name).shape for name in shapes}
    assert s.shape("x") == (1, s.network.X.shape[1]) and s.shape("nothing") is None


def test_parameters_change_one_update_step_at_a_time():
    s = Stepper(resolve("xor"))
    while s.phase != "update":
        s.next()
    first = s.step.writes
    changed = [k for k in s.params if not np.array_equal(s.params[k], s.start_params[k])]
    assert changed == [first]


def test_finish_phase_and_iteration():
    s = Stepper(resolve("xor"))
    s.finish_phase()
    assert s.phase == "forward" and s.cursor == 4
    s.finish_phase()
    assert s.phase == "loss" and s.cursor == 5
    s.finish_iteration()
    assert s.cursor == s.total and s.iteration == 0
    s.finish_iteration()  # at the end: the whole next iteration
    assert s.iteration == 1 and s.cursor == s.total
    assert len(s.losses) == 1


def test_next_after_the_last_step_starts_the_next_iteration_from_the_updated_parameters():
    s = Stepper(resolve("xor"))
    s.finish_iteration()
    after = s.derived.params_after
    s.next()
    assert (s.iteration, s.cursor, s.phase) == (1, 0, "ready")
    for k in after:
        np.testing.assert_array_equal(s.start_params[k], after[k])


@pytest.mark.parametrize("preset", names())
def test_run_equals_stepping_and_the_fast_path(preset):
    net = resolve(preset)
    a, b = Stepper(net), Stepper(net)
    assert a.run(5) == 5
    for _ in range(5):
        b.finish_iteration()
    b.next()
    assert state(a) == state(b)
    fast = train(net, 5)
    for k in fast.params:
        np.testing.assert_array_equal(a.start_params[k], fast.params[k])
    assert a.losses == fast.losses


def test_run_can_be_stopped_and_undone_step_by_step():
    s = Stepper(resolve("xor"))
    done = s.run(100, on_progress=lambda k, loss: k < 30)
    assert done == 30 and s.iteration == 30 and len(s.losses) == 30
    assert s.back() and (s.iteration, s.cursor) == (29, s.total)
    expected = derive(s.network, train(s.network, 29).params, s.network.X, s.network.Y)
    for k in expected.params_after:
        np.testing.assert_array_equal(s.params[k], expected.params_after[k])


def test_single_sample_keeps_the_cursor_and_walks_one_row():
    s = Stepper(resolve("regression"))
    for _ in range(3):
        s.next()
    s.set_sample(2)
    assert s.cursor == 3 and s.steps[0].column
    assert s.steps[0].formula == "z₁ = W₁x + b₁"
    np.testing.assert_array_equal(s.value("x"), s.network.X[2:3])
    with pytest.raises(IndexError):
        s.set_sample(4)


def test_history_is_bounded_and_back_stops_at_the_oldest_checkpoint():
    net = resolve("xor")
    per = sum(v.nbytes for v in net.params.values())
    s = Stepper(net, history_bytes=per * 10)
    s.run(50)
    assert len(s._history) <= 10
    backs = 0
    while s.back():
        backs += 1
    assert s.iteration == s.oldest_iteration == 41
    s.reset()
    assert (s.iteration, s.cursor) == (0, 0)
    for k, v in net.params.items():
        np.testing.assert_array_equal(s.params[k], v)


def test_a_run_in_chunks_on_copies_lands_where_run_lands():
    """The app's training thread computes on copies and hands chunks to the Stepper's owner."""
    net = resolve("regression")
    a, b = Stepper(net), Stepper(net)
    a.next()
    b.next()
    assert a.run(40) == 40
    run = b.start_run()
    chunks = []

    def hand_over(chunk):
        chunks.append(len(chunk))
        b.add_run(chunk)

    assert train_in_chunks(net, 40, run, hand_over, stop=lambda: False, seconds=0) == 40
    assert len(chunks) == 40 and state(a) == state(b) and a.losses == b.losses
    for k in a.start_params:
        np.testing.assert_array_equal(a.start_params[k], b.start_params[k])
    assert b.back() and (b.iteration, b.cursor) == (39, b.total)


def test_a_run_in_chunks_stops_after_the_iteration_under_way():
    s = Stepper(resolve("xor"))
    run = s.start_run()
    calls = []
    assert train_in_chunks(s.network, 100, run, s.add_run, stop=lambda: len(calls.append(1) or calls) >= 7) == 7
    assert s.iteration == 7 and len(s.losses) == 7
