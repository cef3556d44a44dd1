"""The app's editor changes a network through its settings: the keys of a network file (no
parameters, no data), checked by the very rules that check a file, and built again on the
data it had. So an edited network is one a file could hold, and it saves as one."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from .network import Network, from_settings
from .optimizers import OPTIMIZERS, State

SOURCE = "the editor"  # what an edited network's messages name as their source
EDITED = " (edited: "  # a network changed in the editor is named "XOR 2-2-1 (edited: 2-3-2-1)"
WAS = " Its description: "  # before the description of the network it was edited from


def settings(network: Network) -> dict:
    """The network's settings the editor changes, as the keys of its network file."""
    optimizer = network.optimizer
    return {
        "inputs": network.inputs,
        "loss": network.loss,
        "reduction": network.reduction,
        "learning_rate": network.learning_rate,
        "seed": network.seed,
        "frozen": list(network.frozen),
        "l2": network.l2,
        "batch_size": network.batch_size,
        "optimizer": {"name": optimizer.name} | {key: getattr(optimizer, key) for key in optimizer.optimizer.keys},
        "layers": [{"units": layer.units, "activation": layer.activation} for layer in network.layers],
    }


def optimizer_defaults(name: str) -> dict:
    """The [optimizer] keys of optimizer `name` with PyTorch's defaults."""
    chosen = OPTIMIZERS[name].settings()
    return {"name": name} | {key: getattr(chosen, key) for key in chosen.optimizer.keys}


def only_learning_rate(network: Network, changed: dict) -> bool:
    """Whether `changed` differs from the network's settings in the learning rate alone."""
    now = settings(network)
    return {**now, "learning_rate": changed.get("learning_rate")} == changed and now != changed


def build(
    network: Network, changed: dict, params: dict[str, np.ndarray] | None = None, state: State | None = None
) -> Network:
    """The network with these settings, on its data: parameters drawn from the seed, or, when only
    the learning rate changed, `params` and the optimizer's `state` (the ones on screen).
    Raises NetworkError (its key says which setting) for settings a file could not hold."""
    doc = copy.deepcopy(changed)
    edited = from_settings(doc, network.name, (network.X, network.Y, network.data_file), SOURCE)
    # Named for what it is now (the header shows it), its description the one it was edited
    # from, said as such; the file its data came from stays named, so that saving it refers to
    # that data file.
    first, description = network.name, network.description
    if EDITED in network.name:  # edited again: from the network first opened
        first = network.name[: network.name.index(EDITED)]
        description = network.description.partition(WAS)[2] or network.description
    shape = "-".join(map(str, edited.sizes))
    edited = replace(
        edited,
        name=f"{first}{EDITED}{shape})",
        description=f"Edited in the app from {first}.{WAS}{description}" if description else "",
        source=network.source,
    )
    if params is not None and only_learning_rate(network, changed):
        return edited.with_params(params, state)
    return edited
