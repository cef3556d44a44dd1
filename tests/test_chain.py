"""One weight's whole chain: the sum over samples and paths of the scalar factors equals the
gradient backprop computed, on random networks (every activation and loss, softmax included)."""

import numpy as np
import pytest
from hypothesis import given, settings

from engine.chain import parse_name, weight_chain
from engine.derivation import derive
from engine.presets import resolve
from tests.nets import networks


@settings(max_examples=40, deadline=None)
@given(networks())
def test_the_paths_sum_to_the_backprop_gradient(network):
    it = derive(network, network.params, network.X, network.Y)
    for name, value in network.params.items():
        for index in np.ndindex(value.shape):
            chain = weight_chain(network, it, name, index, column=network.samples == 1)
            assert np.isfinite(chain.backprop)
            assert chain.path_total == pytest.approx(chain.backprop, rel=1e-9, abs=1e-12)
            # the dynamic-programming view: g = Σ over samples of v · x
            g = sum(chain.deltas[s][-1].value * chain.inputs[s] for s in range(chain.samples))
            assert g == pytest.approx(chain.backprop, rel=1e-9, abs=1e-12) and chain.agrees
            assert len(chain.paths) == chain.path_count * chain.samples


def test_a_hidden_weight_of_the_xor_seed_has_one_path_per_sample():
    network = resolve("xor")
    it = derive(network, network.params, network.X[:1], network.Y[:1])
    chain = weight_chain(network, it, "W1", (1, 0), column=True)
    assert chain.path_count == 1 and len(chain.paths) == 1
    assert [f.symbol for f in chain.paths[0].factors] == [
        "∂L/∂a₂[0]",
        "∂a₂[0]/∂z₂[0]",
        "∂z₂[0]/∂a₁[1] = W₂[0,1]",
        "∂a₁[1]/∂z₁[1]",
        "∂z₁[1]/∂W₁[1,0] = x[0]",
    ]
    v = weight_chain(network, it, "W1", (1, 0), column=True, v=True)  # the dynamic-programming view's names
    assert [f.symbol for f in v.paths[0].factors] == [
        "∂L/∂a₂[0]",
        "t(d₂[0])",
        "∂d₂[0]/∂a₁[1] = W₂[0,1]",
        "t(d₁[1])",
        "∂d₁[1]/∂W₁[1,0] = x[0]",
    ]
    assert [f.value for f in v.paths[0].factors] == [f.value for f in chain.paths[0].factors]
    assert chain.symbolic() == "∂L/∂W₁[1,0] = ∂L/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂a₁ · ∂a₁/∂z₁ · ∂z₁/∂W₁[1,0]"
    assert v.symbolic(v=True) == "gW₁[1,0] = ∂L/∂ŷ · ∂ŷ/∂d₂ · ∂d₂/∂a₁ · t(d₁) · ∂d₁/∂W₁[1,0]"
    assert chain.symbolic() == "∂L/∂W₁[1,0] = ∂L/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂a₁ · ∂a₁/∂z₁ · ∂z₁/∂W₁[1,0]"


def test_one_sample_s_paths_sum_to_its_delta_times_input(large_network):
    from engine.network import load

    network = load(large_network)
    it = derive(network, network.params, network.X, network.Y)
    chain = weight_chain(network, it, "W1", (3, 100), column=False, samples=[5])
    assert chain.path_count == 64 * 10 * 10 == len(chain.paths)  # softmax: every output to every z
    assert chain.path_total == pytest.approx(chain.deltas[5][-1].value * chain.inputs[5], rel=1e-9, abs=1e-15)


def test_too_many_paths_leave_only_the_delta_view(monkeypatch):
    monkeypatch.setattr("engine.chain.MAX_PATHS", 1)
    network = resolve("regression")
    it = derive(network, network.params, network.X, network.Y)
    chain = weight_chain(network, it, "W1", (0, 0), column=False)
    assert chain.paths == [] and chain.path_total is None and chain.path_count == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("W9[0,0]", "W9 is not a parameter"),
        ("W1[0]", "W1 needs [row, column]"),
        ("b1[7]", "outside b1"),
        ("weights", "expected a parameter entry such as W3[0,0]"),
    ],
)
def test_bad_parameter_names_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        parse_name(text, resolve("regression"))


def test_parameter_names_are_forgiving_about_case_and_spaces():
    assert parse_name(" w2[0, 1] ", resolve("regression")) == ("W2", (0, 1))
    assert parse_name("b_1[2]", resolve("regression")) == ("b1", (2,))
