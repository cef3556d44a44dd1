"""The editor (E): change the network's layers, activations, loss, learning rate, seed,
optimizer and frozen parameters without leaving the app. Each change is checked at once by the
rules a network file meets (engine/edit.py), and a problem is said under the field just changed;
Apply (Enter) hands the built network back to the app, which starts a new run with it."""

from __future__ import annotations

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select

from engine import edit
from engine.functions import ACTIVATIONS, LOSSES, REDUCTIONS
from engine.network import Network, NetworkError
from engine.notation import counted
from engine.optimizers import OPTIMIZERS, State
from tui.screens.dialog import Dialog

# The settings typed as numbers: whole numbers, the others decimals (what the loader reads).
WHOLE = ("seed", "batch_size")


def typed(text: str, whole: bool) -> int | float | str:
    """A field's text as the number it says (a whole number where one is expected and the text
    is one); text that is no number stays text: the loader's message says what it found
    ("found 2.5, expected a whole number …", "found 'x' (a string), …")."""
    for kind in (int, float) if whole else (float,):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class EditScreen(Dialog["tuple[Network, bool] | None"]):
    DEFAULT_CSS = """
    EditScreen { align: center middle; }
    EditScreen > Vertical { width: 96; max-width: 100%; height: 94%; border: round $accent; background: $surface;
                            padding: 0 1; }
    EditScreen VerticalScroll { height: 1fr; }
    EditScreen .field { height: auto; }
    EditScreen .row { height: 1; }
    EditScreen .row > * { height: 1; border: none; margin-right: 2; }
    EditScreen .row > Label { width: 16; margin-right: 0; }
    EditScreen .row > Input { width: 12; padding: 0 1; }
    EditScreen .row > Select { width: 20; }
    EditScreen .row > Select > SelectCurrent { border: none; height: 1; padding: 0 1; }
    EditScreen .row > Button { min-width: 8; width: auto; padding: 0 1; border-top: none; border-bottom: none; }
    EditScreen .row > Checkbox { width: auto; padding: 0; }
    EditScreen .row > .note { color: $text-muted; width: 1fr; }
    EditScreen .row > .units { width: 12; margin-right: 2; }
    EditScreen .problem { color: $bad; display: none; width: 1fr; height: auto; }
    EditScreen .problem.-shown { display: block; }
    EditScreen #edit-summary { width: 1fr; margin-top: 1; }
    EditScreen #edit-summary.-bad { color: $bad; }
    EditScreen #edit-help { color: $text-muted; width: 1fr; }
    EditScreen #edit-buttons { height: 1; margin-top: 1; }
    EditScreen #edit-buttons > Button { height: 1; border-top: none; border-bottom: none; min-width: 10;
                                        margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "close", "Cancel"),
        Binding("ctrl+s", "apply(True)", "Apply and save"),
        Binding("ctrl+l", "add_layer", "Add a hidden layer", priority=True),  # in a field too
    ]

    def __init__(
        self, network: Network, params: dict[str, np.ndarray], state: State, midway: bool = False, fresh: bool = False
    ):
        """params, state: those a new learning rate goes on with (Stepper.settled); midway: they
        are the ones the iteration started from, its update not finished; fresh: the network is
        not open yet (proposed for a CSV): applying it unchanged opens it."""
        super().__init__()
        self.network, self.params, self.state, self.midway, self.fresh = network, params, state, midway, fresh
        self.design = edit.settings(network)
        self.built: Network | None = network
        self.changed: str | None = None  # the row of the field changed last, where a problem is said

    # -- the form, made from self.design ----------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"edit {self.network.name}"
            with VerticalScroll():
                yield from self.form()
            yield Label(id="edit-summary", markup=False)
            yield Label(
                "Enter or Apply: a new run from iteration 1 (p at its start returns) · Ctrl+S applies and saves "
                "· Ctrl+L adds a hidden layer · Esc cancels",
                id="edit-help",
            )
            with Horizontal(id="edit-buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Cancel", id="cancel")

    def form(self) -> ComposeResult:
        d = self.design
        layers = d["layers"]
        yield self.row("inputs", Label(f"inputs: {d['inputs']}", markup=False), note="the data's columns")
        for i, layer in enumerate(layers):
            last = i == len(layers) - 1
            units = (
                Label(counted(layer["units"], "unit"), markup=False, classes="units")
                if last
                else Input(str(layer["units"]), id=f"units-{i}")
            )
            activation = Select.from_values(ACTIVATIONS, value=layer["activation"], allow_blank=False, id=f"act-{i}")
            parts = [units, activation] + ([] if last else [Button("Remove", id=f"remove-{i}")])
            title = "output layer" if last else f"layer {i + 1}"
            yield self.row(f"layer-{i}", Label(title), *parts, note="the data's targets" if last else "")
        yield self.row("layers", Button("+ hidden layer", id="add"), note="before the output layer")
        yield self.row(
            "loss",
            Label("loss"),
            Select.from_values(LOSSES, value=d["loss"], allow_blank=False, id="loss"),
            Select.from_values(REDUCTIONS, value=d["reduction"], allow_blank=False, id="reduction"),
        )
        for key, title in (("learning_rate", "learning rate η"), ("seed", "seed"), ("l2", "l2 (λ)")):
            yield self.row(key, Label(title), Input(str(d[key]), id=key))
        yield self.row(
            "batch_size",
            Label("batch size"),
            Input(str(d["batch_size"]), id="batch_size"),
            note=f"0 or {self.network.samples} and more: the whole batch of {self.network.samples}",
        )
        optimizer = d["optimizer"]
        yield self.row(
            "optimizer",
            Label("optimizer"),
            Select.from_values(OPTIMIZERS, value=optimizer["name"], allow_blank=False, id="optimizer"),
        )
        for key, value in optimizer.items():
            if key == "nesterov":
                yield self.row(f"optimizer.{key}", Label(""), Checkbox("nesterov", value, id="opt-nesterov"))
            elif key != "name":
                yield self.row(f"optimizer.{key}", Label(f"  {key}"), Input(str(value), id=f"opt-{key}"))
        names = self.parameter_names()
        yield self.row(
            "frozen",
            Label("frozen"),
            *[Checkbox(name, name in d["frozen"], id=f"frozen-{name}") for name in names],
        )

    def parameter_names(self) -> list[str]:
        return [f"{kind}{l}" for l in range(1, len(self.design["layers"]) + 1) for kind in ("W", "b")]

    def row(self, key: str, *parts: Widget, note: str = "") -> Vertical:
        """A line of the form and the line under it that says a problem with it."""
        line = Horizontal(*parts, *([Label(note, classes="note", markup=False)] if note else []), classes="row")
        problem = Label(classes="problem", markup=False, id=f"problem-{key.replace('.', '-')}")
        return Vertical(line, problem, classes="field")

    def on_mount(self) -> None:
        self.check()
        self.query(Input).first().focus()  # Enter applies at once, wherever the editor was opened from

    # -- changes ------------------------------------------------------------------------------------

    @on(Input.Changed)
    def typed_in(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        d = self.design
        if field.startswith("units-"):
            i = int(field.removeprefix("units-"))
            d["layers"][i]["units"] = typed(event.value, whole=True)
            self.changed = f"layer-{i}"
        elif field.startswith("opt-"):
            key = field.removeprefix("opt-")
            d["optimizer"][key] = typed(event.value, whole=False)
            self.changed = f"optimizer.{key}"
        else:
            d[field] = typed(event.value, whole=field in WHOLE)
            self.changed = field
        self.check()

    @on(Select.Changed)
    async def chosen(self, event: Select.Changed) -> None:
        field, d = event.select.id or "", self.design
        if field.startswith("act-"):
            i = int(field.removeprefix("act-"))
            if d["layers"][i]["activation"] == event.value:
                return
            d["layers"][i]["activation"] = event.value
            self.changed = f"layer-{i}"
        elif field == "optimizer":
            if d["optimizer"]["name"] == event.value:
                return
            d["optimizer"] = edit.optimizer_defaults(event.value)  # its own keys, PyTorch's defaults
            self.changed = "optimizer"
            await self.rebuild(focus="optimizer")
        elif d[field] != event.value:
            d[field] = event.value
            self.changed = field
        self.check()

    @on(Checkbox.Changed)
    def ticked(self, event: Checkbox.Changed) -> None:
        field, d = event.checkbox.id or "", self.design
        if field == "opt-nesterov":
            d["optimizer"]["nesterov"] = event.value
            self.changed = "optimizer.nesterov"
        else:
            name = field.removeprefix("frozen-")
            frozen = set(d["frozen"]) - {name} | ({name} if event.value else set())
            d["frozen"] = [n for n in self.parameter_names() if n in frozen]  # in the network's order
            self.changed = "frozen"
        self.check()

    @on(Button.Pressed)
    async def pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button == "apply":
            self.action_apply()
        elif button == "cancel":
            self.close(None)
        elif button == "add":
            await self.action_add_layer()
        elif button.startswith("remove-"):
            await self.remove_layer(int(button.removeprefix("remove-")))

    async def action_add_layer(self) -> None:
        """A hidden layer before the output layer, as wide as the one before it."""
        layers = self.design["layers"]
        units = layers[-2]["units"] if len(layers) > 1 else self.design["inputs"]
        layers.insert(len(layers) - 1, {"units": units, "activation": "tanh"})
        self.changed = f"layer-{len(layers) - 2}"
        await self.rebuild(focus=f"units-{len(layers) - 2}")

    async def remove_layer(self, i: int) -> None:
        layers = self.design["layers"]
        del layers[i]
        names = self.parameter_names()
        self.design["frozen"] = [n for n in self.design["frozen"] if n in names]  # W3 of a removed layer goes
        self.changed = "layers"
        await self.rebuild(focus="add")

    async def rebuild(self, focus: str) -> None:
        """The form again from the design (layers or the optimizer's keys changed)."""
        scroll = self.query_one(VerticalScroll)
        await scroll.remove_children()
        await scroll.mount_all(list(self.form()))
        self.check()
        self.query_one(f"#{focus}").focus()

    # -- checking and applying ----------------------------------------------------------------------

    def check(self) -> None:
        """Build the network from the design; say what is wrong where the change was made."""
        for label in self.query(".problem"):
            label.remove_class("-shown")
        summary = self.query_one("#edit-summary", Label)
        try:
            self.built = edit.build(self.network, self.design, self.params, self.state)
        except NetworkError as err:
            self.built = None
            where = self.row_of(err.key)
            message = f"{err.key}: {err.message}" if err.key else err.message
            if (err.key or "").startswith("data"):
                message = f"the data's targets do not fit loss {self.design['loss']}: {message}"
            for row in dict.fromkeys([self.changed or where, where]):
                problem = self.query(f"#problem-{row.replace('.', '-')}")
                if problem:  # the key is the row's own: its words alone
                    problem.first(Label).update(f"✗ {message.removeprefix(f'{err.key}: ')}")
                    problem.first(Label).add_class("-shown")
            summary.update(f"✗ not applied until this is fixed: {message}")
            summary.add_class("-bad")
            return
        summary.remove_class("-bad")
        summary.update(self.describe(self.built))

    def row_of(self, key: str | None) -> str:
        """The row of the form a loader's key names."""
        key = key or "layers"
        if key.startswith("layers["):
            return f"layer-{int(key[7 : key.index(']')]) - 1}"
        if key.startswith("data"):
            return "loss"
        if key.startswith("frozen"):
            return "frozen"
        if key.startswith("optimizer.") and key.count(".") == 1 and key != "optimizer.name":
            return key
        return key.split(".")[0].split("[")[0]

    def describe(self, network: Network) -> str:
        shape = "-".join(str(n) for n in network.sizes)
        count = sum(v.size for v in network.params.values())
        if edit.only_learning_rate(self.network, self.design):
            kept = "the parameters this iteration started from" if self.midway else "the parameters on screen"
            start = f"{kept} kept (only η changed)"
        elif self.design == edit.settings(self.network):
            if self.fresh:
                return f"✓ {shape}, {count:,} parameters, {network.optimizer.title}: opened as proposed"
            return f"✓ {shape}, {count:,} parameters: nothing changed yet"
        else:
            start = f"parameters drawn anew from seed {network.seed}"
        return f"✓ {shape}, {count:,} parameters, {network.optimizer.title}: a new run from iteration 1, {start}"

    def action_apply(self, save: bool = False) -> None:
        """Close with (the built network, whether to save it next); nothing when nothing changed."""
        if self.built is None:
            self.app.bell()
            return
        if self.design == edit.settings(self.network):
            self.close((self.network, save) if self.fresh else None)
        else:
            self.close((self.built, save))

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_apply()
