"""The command palette's "explain W2[0,1]": one weight's whole chain, by name."""

from __future__ import annotations

from functools import partial

import numpy as np
from textual.command import Hit, Hits, Provider

LISTED = 400  # networks with at most this many entries list every one; larger ones match a typed name


class WeightCommands(Provider):
    def entries(self) -> list[str]:
        params = self.app.network.params
        if sum(v.size for v in params.values()) > LISTED:
            return []
        return [
            f"{name}[{','.join(map(str, index))}]"
            for name, value in params.items()
            for index in np.ndindex(value.shape)
        ]

    async def search(self, query: str) -> Hits:
        from engine.chain import dp_name, parse_name  # when the palette is used, not at start-up

        app = self.app
        typed = query.strip().removeprefix("explain").strip()
        try:
            name, index = parse_name(typed, app.network)
        except ValueError:
            name = None
        if name is not None:  # an exact entry, whatever the network's size
            label = f"{name}[{','.join(map(str, index))}]"
            alias = f" ({typed})" if dp_name(typed, app.network) else ""  # w6: the dynamic-programming view's name
            yield Hit(
                1.0,
                f"Explain {label}{alias}",
                partial(app.open_chain, name, index),
                help=f"The whole chain of ∂L/∂{label}: every path, every factor",
            )
            return
        matcher = self.matcher(query)
        for entry in self.entries():
            text = f"Explain {entry}"
            score = matcher.match(text)
            if score > 0:
                name, index = parse_name(entry, app.network)
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(app.open_chain, name, index),
                    text=text,
                    help=f"The whole chain of ∂L/∂{entry}",
                )
