"""The stepper app: renders the engine's Stepper; every number comes from the engine."""

from __future__ import annotations

import gc
import re
import time
from typing import Iterable

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label, OptionList, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from engine.network import Network, NetworkError, save
from engine.presets import resolve
from engine.quiz import Score
from engine.stepper import Stepper
from tui.commands import WeightCommands
from tui.screens.prompts import OpenPrompt, SavePrompt, TrainPrompt
from tui.session import Place, SessionWriter, folder
from tui.widgets.diagram import NetworkDiagram
from tui.widgets.keybar import KeyBar
from tui.widgets.matrices import LayerPanel
from tui.widgets.panels import LossHistory, StepList, StepPanel, UpdatesPanel
from tui.widgets.present import DIGITS, View

# Every action once: its keys, its name in the footer, and its line in the command palette.
ACTIONS = [
    ("n,right", "next", "Next", "Next step", "Compute the next chain-rule factor"),
    ("p,left", "back", "Back", "Step back", "Undo the last step exactly, also across iterations"),
    ("f", "finish_phase", "Phase", "Finish the phase", "Compute the rest of the current phase"),
    ("i", "finish_iteration", "Iteration", "Finish the iteration", "Compute the rest of the iteration, through the update"),
    ("t", "train", "Train", "Train N iterations", "Run N whole iterations on the fast path"),
    ("r", "reset", "Reset", "Reset", "Back to iteration 1 with the initial parameters"),
    ("m", "toggle_mode", "Batch/sample", "Batch or one sample", "Switch between the whole batch and one sample"),
    ("left_square_bracket", "previous_sample", "Sample−", "Previous sample", "Focus on the previous sample"),
    ("right_square_bracket", "next_sample", "Sample+", "Next sample", "Focus on the next sample"),
    ("d", "digits", "Digits", "More digits", "Cycle the number of decimals: 4, 6, 8"),
    ("e", "toggle_explain", "Explain", "Explanations on or off", "Show or hide the why and convention lines of each step"),
    ("v", "toggle_names", "δ/v", "δ or v notation", "Switch between δ, z, f' and seed 2's v, d, t, g names"),
    ("w", "chain", "Chain", "Explain one weight", "One weight's or bias's whole chain: every path, every factor, lit in the diagram"),
    ("k", "quiz", "Quiz", "Quiz mode", "Type each value before it is revealed; a running score"),
    ("c", "toggle_mistake", "Mistake", "Common mistake on or off", "Send δ back through the already-updated weights, and see every number that changes"),
    ("g", "gradient_check", "Check", "Gradient check", "Compare every gradient with central finite differences"),
    ("l", "loss_plot", "Plot", "Loss plot", "The loss of every iteration, with axes; live while training"),
    ("x", "export", "Export", "Export this iteration", "Write this iteration as a Markdown worked solution"),
    ("z", "zoom", "Zoom", "Zoom a matrix", "Every cell of the matrix being computed, scrollable"),
    ("o", "open", "Open", "Open a network", "Open another preset or a network file"),
    ("ctrl+s", "save", "Save", "Save the network", "Write the network with its current parameters to a file"),
    ("question_mark,f1", "help", "Help", "Help", "What each panel means and every key"),
]


# Keys left out of the footer so that it fits 140 columns (help and the palette list them).
IN_HELP_ONLY = ("previous_sample", "next_sample", "digits", "toggle_mode", "toggle_explain", "toggle_names",
                "toggle_mistake", "gradient_check", "export", "open", "reset")

MIN_SIZE = (64, 22)  # below this the panels cannot show a step legibly


class BackpropApp(App[None]):
    CSS_PATH = "app.tcss"
    # Nothing focused at start: the footer is then built once, not three times (start-up
    # ~25% faster); Tab focuses the step panel or the step list. Dialogs focus their own input.
    AUTO_FOCUS = None
    COMMANDS = App.COMMANDS | {WeightCommands}
    TITLE = "backprop-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        *[Binding(keys, action, label, tooltip=help_text, id=action, show=action not in IN_HELP_ONLY)
          for keys, action, label, _, help_text in ACTIONS],
        Binding("escape", "stop_training", "Stop training", show=False),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, network: str | Network = "xor", place: Place | None = None, remember: bool = False):
        """network: a preset name, a path or a Network; place: a saved session to continue;
        remember: keep the session on disk as it changes (the command line does)."""
        super().__init__()
        if place is not None:
            self.network, self.stepper = place.network, place.stepper()
            self.view = View(self.stepper, digits=place.digits, focus=place.focus)
        else:
            self.network = resolve(network) if isinstance(network, str) else network
            self.stepper = Stepper(self.network)
            self.view = View(self.stepper)
        if place is not None:
            self.view.explain, self.view.v_names = place.options["explain"], place.options["v_names"]
            self.stepper.set_mistake(place.options["mistake"])
        self.trainer: Worker | None = None
        self.session = SessionWriter() if remember else None
        self.quiz: Score | None = None  # the running score while quiz mode is on

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        yield Static(id="status")
        with Horizontal(id="top"):
            yield NetworkDiagram(id="diagram")
            yield StepPanel(id="step")
        with Horizontal(id="middle"):
            yield Horizontal(*self._layer_panels(), id="layers")
            with Vertical(id="side"):
                yield StepList(id="steps")
                yield LossHistory(id="loss")
        yield UpdatesPanel(id="updates")
        yield Horizontal(id="training")  # its label and bar are built when training first starts
        yield KeyBar()

    def _layer_panels(self) -> list[LayerPanel]:
        return [LayerPanel(l, id=f"layer-{l}") for l in range(1, self.network.depth + 1)]

    # Python's cyclic collector: a full collection walks every object alive, and Textual's
    # start-up leaves ~50 ms of them, so some keys stalled for a collection. None runs while
    # the app starts; once it is ready, what is alive then lives as long as the app and is
    # frozen out of the collector's sight (a full collection: ~5 ms), until the app ends.
    def on_load(self) -> None:
        gc.disable()

    def on_ready(self) -> None:
        gc.freeze()
        gc.enable()

    def on_unmount(self) -> None:
        gc.unfreeze()
        gc.enable()

    def on_mount(self) -> None:
        self.title = self.network.name
        self.query_one("#diagram").border_title = "network"
        self.refresh_view()
        self.theme_changed_signal.subscribe(self, self.recolour)

    def recolour(self, theme) -> None:
        """The panels' text carries its colours: build it again in the new theme's."""
        if not self.training:
            self.refresh_view()

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.screen.set_class(small, "-too-small")
        self.query_one("#too-small", Static).update(
            f"terminal too small: need {MIN_SIZE[0]} × {MIN_SIZE[1]}, have {width} × {height}")
        self.call_after_refresh(self.follow_size)

    def follow_size(self) -> None:
        """After a resize the header shortens to the width (the panels follow their own sizes).
        Not a full refresh_view, which laid the start-up screen out twice; nothing while a
        training worker changes the state."""
        if not self.training:
            self.query_one("#status", Static).update(self.status_line(), layout=False)

    @property
    def training(self) -> bool:
        return self.trainer is not None and self.trainer.is_running

    def refresh_view(self) -> None:
        """Show the Stepper's state in every panel (not while a training worker changes it;
        the panels catch up when it finishes)."""
        if self.training:
            return
        s, view = self.stepper, self.view
        # A Static of fixed height, updated without a relayout: Textual's Header cost ~20 ms a key.
        self.query_one("#status", Static).update(self.status_line(), layout=False)
        self.query_one(NetworkDiagram).show(view)
        self.query_one(StepPanel).show(view)
        for panel in self.query(LayerPanel):
            panel.show(view)
        self.query_one(UpdatesPanel).show(view)
        self.query_one(StepList).show(view)
        self.query_one(LossHistory).show(s.losses, view.fmt)
        self.remember()

    def remember(self) -> None:
        """Keep the learner's place on disk (see tui/session.py); a failure is said once."""
        if self.session is None:
            return
        try:
            self.session.save(self.stepper, self.view.focus, self.view.digits,
                              {"explain": self.view.explain, "v_names": self.view.v_names,
                               "mistake": self.stepper.mistake})
        except OSError as err:
            self.session = None
            self.notify(f"Cannot keep the session in {folder()}: {err.strerror or err}. The app works on; "
                        f"--resume will not find this place.", severity="warning", timeout=8)

    def status_line(self) -> str:
        """The header line, shortened until it fits the width: network, iteration, phase, step,
        loss, batch or sample."""
        s, fmt = self.stepper, self.view.fmt
        revealed = s.cursor > 0 and s.phase != "forward"
        loss = "loss —" if s.loss is None else f"{'' if revealed else 'last '}loss {fmt(s.loss)}"
        m = self.network.samples
        walking = (f"sample {s.sample} of {m}" if s.sample is not None else
                   "1 sample" if m == 1 else f"batch of {m}")
        name = self.network.name
        modes = "".join([" · ⚠ common mistake" if s.mistake else "",
                         f" · quiz {self.quiz.right}/{self.quiz.asked}" if self.quiz is not None else ""])
        walking += modes
        short = f"iter. {s.iteration + 1} · {s.phase} {s.cursor}/{s.total} · {loss} · {walking}"
        room = self.size.width - 2
        for line in (f"{name} · iteration {s.iteration + 1} · {s.phase} · step {s.cursor}/{s.total} · {loss} · "
                     f"{walking}", f"{name} · {short}"):
            if len(line) <= room:
                return line
        keep = max(room - len(short) - 3, 4)  # the name gives way first
        return f"{name if len(name) <= keep else name[: keep - 1] + '…'} · {short}"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for keys, action, _, title, help_text in ACTIONS:
            key = keys.split(",")[0].replace("_square_bracket", " bracket").replace("question_mark", "?")
            yield SystemCommand(f"{title} ({key})", help_text, getattr(self, f"action_{action}"))

    # -- stepping --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        if self.training:
            self.notify("Training is running; Esc stops it.", severity="warning", timeout=2)
            return True
        return False

    def _move(self, move) -> None:
        if not self.busy:
            move()
            self.refresh_view()

    def action_next(self) -> None:
        s = self.stepper
        if self.quiz is not None and s.cursor < s.total and not self.busy:
            from tui.screens.quiz import QuizScreen

            def answered(result: str | None) -> None:
                if result is not None:
                    self._move(s.next)
                else:
                    self.refresh_view()

            self.push_screen(QuizScreen(self.view, self.quiz), answered)
            return
        self._move(s.next)

    def action_back(self) -> None:
        if self.busy:
            return
        if self.stepper.back():
            self.refresh_view()
        elif self.stepper.iteration == 0:
            self.notify("This is the start: nothing to undo.", timeout=2)
        else:
            self.notify(f"Undo history starts at iteration {self.stepper.oldest_iteration + 1}.", timeout=3)

    def action_finish_phase(self) -> None:
        self._move(self.stepper.finish_phase)

    def action_finish_iteration(self) -> None:
        self._move(self.stepper.finish_iteration)

    def action_reset(self) -> None:
        self._move(self.stepper.reset)

    def action_toggle_mode(self) -> None:
        s = self.stepper
        self._move(lambda: s.set_sample(self.view.focus if s.sample is None else None))

    def _focus_sample(self, change: int) -> None:
        m = self.network.samples
        self.view.focus = (self.view.focus + change) % m
        if self.stepper.sample is not None:
            self.stepper.set_sample(self.view.focus)
        self.refresh_view()

    def action_previous_sample(self) -> None:
        if not self.busy:
            self._focus_sample(-1)

    def action_next_sample(self) -> None:
        if not self.busy:
            self._focus_sample(+1)

    def action_digits(self) -> None:
        self.view.digits = DIGITS[(DIGITS.index(self.view.digits) + 1) % len(DIGITS)]
        self.refresh_view()

    def action_toggle_explain(self) -> None:
        self.view.explain = not self.view.explain
        self.notify("Explanations " + ("on: why and convention under each step." if self.view.explain else
                                       "off: e brings them back."), timeout=2)
        self.refresh_view()

    def action_toggle_names(self) -> None:
        self.view.v_names = not self.view.v_names
        self.notify("Seed 2's names: v for δ, d for z, t for f', g for ∂L/∂w (v = Σ(v·w)·t(d), g = v·x)."
                    if self.view.v_names else "Names δ, z, f', ∂L/∂w.", timeout=3)
        self.refresh_view()

    def action_toggle_mistake(self) -> None:
        if self.busy:
            return
        s = self.stepper
        s.set_mistake(not s.mistake)
        if s.mistake:
            self.notify("The common mistake is on: δ is sent back through weights already updated. Steps that "
                        "differ show the correct value beside them; t still trains correctly.",
                        title="Common mistake", severity="warning", timeout=8)
        else:
            self.notify("The common mistake is off: every number is right again.", timeout=3)
        self.refresh_view()

    def action_quiz(self) -> None:
        if self.quiz is None:
            self.quiz = Score()  # the status line says so; n now asks before it reveals
        else:
            self.notify(f"Quiz over: {self.quiz}.", title="Quiz", timeout=5)
            self.quiz = None
        self.refresh_view()

    @on(OptionList.OptionSelected, "#steps")
    def jump_to_step(self, event: OptionList.OptionSelected) -> None:
        self._move(lambda: self.stepper.goto(int(event.option.id) + 1))

    # -- dialogs ---------------------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen  # the Markdown widget loads only when help opens

        self.push_screen(HelpScreen())

    def action_zoom(self) -> None:
        if self.busy:
            return
        from tui.screens.zoom import ZoomScreen, zoomable  # imported when first used: faster start-up

        names, start = zoomable(self.view)
        self.push_screen(ZoomScreen(self.view, names, start))

    def action_chain(self) -> None:
        if self.busy:
            return
        from tui.screens.chain import ChainPrompt

        self.push_screen(ChainPrompt(self.view, self.default_weight()), self.explain_weight)

    def default_weight(self) -> str:
        """The weight to offer first: one the current step touches, else the last layer's first."""
        step = self.stepper.step
        for name in ([step.writes, *step.reads] if step is not None else []):
            for prefix in ("dL/d", ""):
                key = name.removeprefix(prefix)
                if key[:1] in "Wb" and key in self.network.params:
                    return f"{key}[0,0]" if key[0] == "W" else f"{key}[0]"
        return f"W{self.network.depth}[0,0]"

    def explain_weight(self, text: str | None) -> None:
        if text is None:
            return
        from engine.chain import parse_name

        try:
            name, index = parse_name(text, self.network)
        except ValueError as err:
            self.notify(str(err), title="Cannot explain", severity="error", timeout=6)
            return
        self.open_chain(name, index)

    def open_chain(self, name: str, index: tuple[int, ...]) -> None:
        if self.busy:
            return
        from tui.screens.chain import ChainScreen

        self.push_screen(ChainScreen(self.view, name, index), lambda _: self.refresh_view())

    @on(NetworkDiagram.Picked, "#diagram")
    def weight_clicked(self, event: NetworkDiagram.Picked) -> None:
        self.open_chain(event.name, event.index)

    def action_gradient_check(self) -> None:
        if self.busy:
            return
        from tui.screens.gradcheck import GradCheckScreen

        s = self.stepper
        where = f"iteration {s.iteration + 1}, step {s.cursor}/{s.total}"
        self.push_screen(GradCheckScreen(self.network, s.params, where))

    def action_loss_plot(self) -> None:
        from tui.screens.plot import PlotScreen

        self.push_screen(PlotScreen(list(self.stepper.losses)))

    def action_export(self) -> None:
        if self.busy:
            return
        self.push_screen(SavePrompt(f"{self.slug}-iteration-{self.stepper.iteration + 1}.md", "export",
                                    "Write this iteration as a Markdown worked solution to"), self.export_iteration)

    def export_iteration(self, path: str | None) -> None:
        if path is None:
            return
        from engine.export import run_trace, to_markdown
        from engine.files import write_atomic

        s = self.stepper
        trace = run_trace(self.network, 1, s.sample, params=s.start_params, first=s.iteration + 1)
        try:
            write_atomic(path, to_markdown(trace))
        except OSError as err:
            self.notify(f"Cannot write {path}: {err.strerror or err}. Nothing was written.", title="Not exported",
                        severity="error", timeout=8)
            return
        self.notify(f"Wrote iteration {s.iteration + 1} as a worked solution to {path}.", timeout=4)

    def action_open(self) -> None:
        if not self.busy:
            self.push_screen(OpenPrompt(), self.open_network)

    async def open_network(self, name: str | None) -> None:
        if name is None:
            return
        try:
            network = resolve(name)
        except NetworkError as err:
            self.notify(str(err), title="Cannot open", severity="error", timeout=8)
            return
        layers = self.query_one("#layers")
        await layers.remove_children()  # first: no panel may show a layer the new network lacks
        self.network = network
        self.title = network.name
        self.stepper = Stepper(network)
        self.view = View(self.stepper, digits=self.view.digits)
        await layers.mount(*self._layer_panels())
        self.call_after_refresh(self.refresh_view)

    @property
    def slug(self) -> str:
        """The network's name as a file name: "XOR 2-2-1" → "xor-2-2-1"."""
        return re.sub(r"[^a-z0-9]+", "-", self.network.name.lower()).strip("-") or "network"

    def action_save(self) -> None:
        if not self.busy:
            self.push_screen(SavePrompt(f"{self.slug}.toml"), self.save_network)

    def save_network(self, path: str | None) -> None:
        if path is None:
            return
        try:
            save(self.network.with_params(self.stepper.params), path)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            self.notify(f"Cannot save {path}: {reason}. Nothing was written.", title="Not saved",
                        severity="error", timeout=8)
            return
        self.notify(f"Saved {path}: the network at iteration {self.stepper.iteration + 1}, step "
                    f"{self.stepper.cursor}/{self.stepper.total}.", timeout=4)

    # -- training --------------------------------------------------------------------------------

    def action_train(self) -> None:
        if not self.busy:
            self.push_screen(TrainPrompt(), self.start_training)

    async def start_training(self, count: int | None) -> None:
        if count is None:
            return
        row = self.query_one("#training")
        if not row.children:  # built on first use: a faster start-up
            await row.mount(Label(id="training-label"), ProgressBar(id="training-bar", show_eta=False))
        row.display = True
        self.query_one("#training-bar", ProgressBar).update(total=count, progress=0)
        self.trainer = self.train_worker(count)

    @work(thread=True, exclusive=True, group="train")
    def train_worker(self, count: int) -> None:
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, loss: float) -> bool:
            nonlocal last
            if worker.is_cancelled:
                return False
            now = time.monotonic()
            if now - last > 0.05 or done == count:
                last = now
                self.call_from_thread(self.show_training, done, count, loss)
            return True

        done = self.stepper.run(count, progress)
        self.call_from_thread(self.training_finished, done, count)

    def show_training(self, done: int, count: int, loss: float) -> None:
        self.query_one("#training-bar", ProgressBar).update(progress=done)
        self.query_one("#training-label", Label).update(
            f"training {done:,}/{count:,} · loss {self.view.fmt(loss)} · Esc stops ")
        self.query_one(LossHistory).show(list(self.stepper.losses), self.view.fmt)
        self.update_plot()

    def update_plot(self) -> None:
        from tui.screens.plot import PlotScreen

        if isinstance(self.screen, PlotScreen):
            self.screen.show(list(self.stepper.losses))

    def training_finished(self, done: int, count: int) -> None:
        self.query_one("#training").display = False
        self.trainer = None
        self.refresh_view()
        self.update_plot()
        found = self.stepper.nonfinite(revealed_only=False)
        if found is not None:
            self.notify(f"Training stopped after {done:,} iterations: the numbers diverged at {found.describe()} "
                        f"Step through this iteration to see it happen, or press p to go back.",
                        title="Diverged", severity="error", timeout=15)
            return
        note = f"Trained {done:,} iterations" + ("" if done == count else f" (stopped; {count:,} asked)")
        self.notify(note + f"; now at iteration {self.stepper.iteration + 1}.", timeout=4)

    def action_stop_training(self) -> None:
        if self.training:
            self.trainer.cancel()
