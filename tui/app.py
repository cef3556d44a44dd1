"""The stepper app: renders the engine's Stepper; every number comes from the engine."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from engine.files import shown, write_atomic
from engine.network import Network, NetworkError
from engine.notation import counted
from engine.presets import resolve
from engine.quantities import Kind, Quantity
from engine.quiz import Score
from engine.stepper import HISTORY_BYTES, Stepper
from engine.training import train_in_chunks
from tui import colours, gc_tuning, textual_compat, writing
from tui.commands import WeightCommands
from tui.keys import ACTIONS, NOT_IN_KEY_BAR, shown_key
from tui.screens.dialog import LiveDialog
from tui.screens.prompts import OpenPrompt, SavePrompt, TrainPrompt
from tui.session import Place, SessionWriter, folder
from tui.text import printable
from tui.widgets.diagram import NetworkDiagram
from tui.widgets.keybar import KeyBar
from tui.widgets.matrices import LayerPanel
from tui.widgets.panels import LossHistory, StepList, StepPanel, UpdatesPanel
from tui.widgets.present import DIGITS, View
from tui.widgets.status import StatusLine
from tui.widgets.task import TaskPanel
from tui.widgets.training import TrainingBar

if TYPE_CHECKING:  # the course's modules load when it opens, not at start-up
    from tui.course import LessonRun, Progress

MIN_SIZE = (64, 22)  # below this the panels cannot show a step legibly


async def in_daemon_thread(function, *args):
    """function(*args) in a daemon thread, awaited: the screen stays alive while a large file is
    read, and quitting (q, SIGTERM, SIGHUP) never waits for it (the executor's threads are
    joined at exit, a daemon thread is not)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome, failed: bool) -> None:
        if not future.done():
            (future.set_exception if failed else future.set_result)(outcome)

    def run() -> None:
        try:
            outcome, failed = function(*args), False
        except BaseException as err:  # handed to the awaiting coroutine, raised there
            outcome, failed = err, True
        try:
            loop.call_soon_threadsafe(settle, outcome, failed)
        except RuntimeError:  # the app has ended: nobody waits any more
            pass

    threading.Thread(target=run, daemon=True, name="open").start()
    return await future


class BackpropApp(App[None]):
    CSS_PATH = "app.tcss"
    # Nothing focused at start: the footer is then built once, not three times (start-up
    # ~25% faster); Tab focuses the step panel or the step list. Dialogs focus their own input.
    AUTO_FOCUS = None
    COMMANDS = App.COMMANDS | {WeightCommands}
    TITLE = "backprop-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding(a.keys, a.name, a.label, tooltip=a.description, id=a.name, show=a.name not in NOT_IN_KEY_BAR)
        for a in ACTIONS
    ]

    def __init__(
        self,
        network: str | Network = "xor",
        place: Place | None = None,
        remember: bool = False,
        notice: str | None = None,
        course: bool = False,
    ):
        """network: a preset name, a path or a Network; place: a saved session to continue;
        remember: keep the session on disk as it changes (the command line does); notice: a
        line to show once the app is up (why --resume could not resume); course: open the
        course's list of lessons first (`backprop-tui learn`)."""
        super().__init__()
        self.notice = notice
        self.open_course = course
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
        self.loading: str | None = None  # the network file being read for `o`, in a thread of its own
        self.trainer_done = threading.Event()  # set once a training thread has handed over its last iterations
        self.trained_from = 0  # the iteration a training run started on
        self.remembering = remember  # the session is kept from the first frame on (see on_mount)
        self.session: SessionWriter | None = None
        self.quiz: Score | None = None  # the running score while quiz or derive mode is on
        self.derive = False  # the quiz asks for expressions (derive mode), not numbers
        self._judge = None  # derive mode's judge of the iteration on screen, and what it was made for
        self.opened_before: list[tuple[Network, Stepper, View]] = []  # what `o` replaced, the latest last
        self.progress: Progress | None = None  # the course's, read each time the course opens
        self.lesson: LessonRun | None = None  # the lesson being done
        self.lessons: list = []  # the course's lessons, read each time it opens

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        yield StatusLine(id="status")
        with Horizontal(id="top"):
            yield StepPanel(id="step")
            yield NetworkDiagram(id="diagram")
        with Horizontal(id="middle"):
            yield Horizontal(*self._layer_panels(), id="layers")
            with Vertical(id="side"):
                yield StepList(id="steps")
                yield LossHistory(id="loss")
        yield UpdatesPanel(id="updates")
        yield TaskPanel(id="task")
        yield TrainingBar(id="training")
        yield KeyBar()

    def _layer_panels(self) -> list[LayerPanel]:
        return [LayerPanel(l, id=f"layer-{l}") for l in range(1, self.network.depth + 1)]

    def get_driver_class(self):
        return textual_compat.driver_for(super().get_driver_class())  # safe when the terminal goes away

    def on_load(self) -> None:
        gc_tuning.starting()
        # A kill (SIGTERM) or a closed terminal (SIGHUP, which TerminalDriver sends too when the
        # terminal hangs up) ends the app as q does, so the driver restores the terminal and a
        # training run's iterations are kept (see action_quit).
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, lambda code=128 + signum: self.run_worker(self.action_quit(code)))

    def on_ready(self) -> None:
        gc_tuning.ready()

    def on_unmount(self) -> None:
        gc_tuning.ended()
        if self.session is not None:
            self.session.close()

    def on_mount(self) -> None:
        self.title = self.network.name
        self.query_one("#diagram").border_title = "network"  # its subtitle, the edges' legend, is its own
        self.refresh_view()
        self.theme_changed_signal.subscribe(self, self.recolour)
        if self.notice:
            self.notify(self.notice, severity="warning", timeout=10, markup=False)
        if self.remembering:  # after the first frame: a large network's files take a while to write
            self.call_after_refresh(self.start_session)
        if self.open_course:
            self.call_after_refresh(self.action_course)

    def start_session(self) -> None:
        self.session = SessionWriter()
        self.remember()

    def recolour(self, theme) -> None:
        """The panels' text carries its colours: build it again in the new theme's."""
        if not self.training:
            self.refresh_view()

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables and the app's colours made from them (see tui/colours.py)."""
        theme = super().get_css_variables()
        self.theme_variables = {**theme, **colours.variables(theme, ansi16=self.console.color_system == "standard")}
        return self.theme_variables

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.default_screen.set_class(small, "-too-small")  # not a dialog that happens to be open
        self.query_one("#too-small", Static).update(
            f"terminal too small: need {MIN_SIZE[0]} × {MIN_SIZE[1]}, have {width} × {height}"
        )
        self.fit_layout(height)
        self.call_after_refresh(self.follow_size)

    def fit_layout(self, height: int | None = None) -> None:
        """The rows each band gets: the current step the most (its formula, numbers and result
        in sight), the layer panels the rest; the weight updates one line until the update
        phase. Sizes change with the terminal and the phase, never with a key inside a phase,
        so a step repaints and lays nothing out again."""
        if self.training:
            return  # the sizes wait for the end of the run, when the panels catch up
        height = height or self.size.height
        growing = self.stepper.phase == "update"
        updates = (8 if height >= 40 else 4) if growing else 3
        task = 0 if self.lesson is None else 10 if height >= 40 else 9  # a lesson's task panel
        if task and height < 40 and not growing:
            updates = 0  # a small terminal gives the task the weight updates' band until they happen
        free = height - 2 - min(updates, 3) - task  # the header, the key bar, the updates band at rest
        top = max(8 if task else 11, min(round(free * 0.5), 26))
        # a too-small terminal shows its message alone: display set here outranks the stylesheet's
        too_small = self.default_screen.has_class("-too-small")
        for selector, rows in (("#top", top), ("#updates", updates), ("#task", task)):
            widget = self.query_one(selector)
            if widget.styles.height is None or widget.styles.height.value != rows:
                widget.styles.height = rows
            if widget.display != (rows > 0 and not too_small):
                widget.display = rows > 0 and not too_small  # a border keeps two rows of a widget of height 0

    def follow_size(self) -> None:
        """After a resize the header shortens to the width (the panels follow their own sizes).
        Not a full refresh_view, which laid the start-up screen out twice; while training,
        the header says so until the next hand-over."""
        if not self.training:
            self.show_status()

    @property
    def training(self) -> bool:
        return self.trainer is not None and self.trainer.is_running

    def refresh_view(self) -> None:
        """Show the Stepper's state in every panel (not while training, where only the header,
        the loss history and the training bar follow the run: the panels catch up at its end)."""
        if self.training:
            return
        s, view = self.stepper, self.view
        if self.lesson is not None and self.lesson.network is self.network and self.lesson.moved(s, view.v_names):
            self.call_after_refresh(self.begin_task)  # a step task reached: the next one
        self.fit_layout()
        self.show_status()
        self.query_one(NetworkDiagram).show(view)
        self.query_one(StepPanel).show(view)
        for panel in self.query(LayerPanel):
            panel.show(view)
        self.query_one(UpdatesPanel).show(view)
        self.query_one(StepList).show(view)
        trend = view.loss_trend()
        self.query_one(LossHistory).show(view.losses(), view.fmt, trend, None if trend is None else view.accuracy())
        self.show_task()
        self.follow_run()
        self.remember()

    def show_status(self) -> None:
        self.query_one(StatusLine).show(self.view, self.quiz, quiz_label=self.quiz_label)

    def remember(self) -> None:
        """Keep the learner's place on disk (see tui/session.py); a failure is said once."""
        if self.session is None:
            return
        try:
            self.session.save(
                self.stepper,
                self.view.focus,
                self.view.digits,
                {"explain": self.view.explain, "v_names": self.view.v_names, "mistake": self.stepper.mistake},
            )
        except (OSError, ValueError) as err:  # a read-only folder, a full disk; data too large to keep
            self.session.close()
            self.session = None
            self.notify(
                f"Cannot keep the session in {folder()}: {getattr(err, 'strerror', None) or err}. The app "
                f"works on; --resume will not find this place.",
                severity="warning",
                timeout=8,
                markup=False,
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for a in ACTIONS:
            if a.title is not None:
                yield SystemCommand(
                    f"{a.title} ({shown_key(a.keys.split(',')[0])})", a.description, getattr(self, f"action_{a.name}")
                )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification, the app's and its screens', as plain text: messages quote file names,
        paths and typed text, which must never be read as markup (widgets pass markup=True)."""
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """Ctrl+C (Textual's hint, written here without markup)."""
        self.notify("Press q to quit the app.", title="Do you want to quit?")

    # -- stepping --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        if self.training:
            self.notify("Training is running; Esc stops it.", severity="warning", timeout=2)
            return True
        if self.loading is not None:
            self.notify(f"Opening {shown(self.loading)}: a moment.", severity="warning", timeout=2)
            return True
        return False

    def _move(self, move) -> None:
        if not self.busy:
            move()
            self.refresh_view()

    def action_next(self) -> None:
        s = self.stepper
        if self.quiz is not None and s.cursor < s.total and not self.busy:

            def answered(result: str | None) -> None:
                if result is not None:
                    self._move(s.next)
                else:
                    self.refresh_view()

            if self.derive:
                self.ask_expression(answered)
                return
            from tui.screens.quiz import QuizScreen

            self.push_screen(QuizScreen(self.view, self.quiz), answered)
            return
        self._move(s.next)

    def ask_expression(self, answered) -> None:
        """Derive mode: the next step's quantity as an expression (a step with none is shown)."""
        from tui.screens.derive import DeriveScreen, judge_for

        s = self.stepper
        made_for = (s.iteration, s.sample, id(s.start_params))
        if self._judge is None or self._judge[0] != made_for:
            self._judge = (made_for, judge_for(self.view))
        judge, step = self._judge[1], s.steps[s.cursor]
        why = judge.unanswerable(Quantity.parse(step.writes), updated=step.phase == "update")
        if why:
            self.notify(f"Not asked: {why}.", title="derive", timeout=4)
            self._move(s.next)
            return
        self.push_screen(DeriveScreen(self.view, self.quiz, judge), answered)

    async def action_back(self) -> None:
        if self.busy:
            return
        at_start = (self.stepper.iteration, self.stepper.cursor) == (0, 0)
        if self.stepper.back():
            self.refresh_view()
            if at_start:  # a reset undone: its "p undoes it" is done with
                self.clear_notifications()
                self.notify(f"Back to {self.where}.", timeout=4)
        elif self.stepper.iteration == 0 and self.opened_before:  # undo opening this network
            network, stepper, view = self.opened_before.pop()
            await self.show_network(network, stepper, view)
            self.clear_notifications()  # "Opened …; p returns" is done with
            self.notify(f"Back to {network.name}, {self.where}.", timeout=4)
        elif self.stepper.iteration == 0:
            self.notify("This is the start: nothing to undo.", timeout=2)
        else:
            self.notify(f"Undo history starts at iteration {self.stepper.oldest_iteration + 1}.", timeout=3)

    @property
    def where(self) -> str:
        """The place in the walk, in words: "iteration 2, step 5/19"."""
        return f"iteration {self.stepper.iteration + 1:,}, step {self.stepper.cursor}/{self.stepper.total}"

    def action_finish_phase(self) -> None:
        self._move(self.stepper.finish_phase)

    def action_finish_iteration(self) -> None:
        self._move(self.stepper.finish_iteration)

    def action_reset(self) -> None:
        if self.busy:
            return
        where = self.where
        if self.stepper.reset():
            self.notify(f"Reset to iteration 1: p undoes it (back to {where}).", timeout=5)
        else:
            self.notify("Already at the start of iteration 1.", timeout=2)
        self.refresh_view()

    def action_toggle_mode(self) -> None:
        s = self.stepper
        self._move(lambda: s.set_sample(self.view.focus if s.sample is None else None))

    def _focus_sample(self, change: int) -> None:
        k = len(self.stepper.rows)  # the samples of the (mini-)batch
        self.view.focus = (min(self.view.focus, k - 1) + change) % k
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
        self.notify(
            "Explanations "
            + ("on: why and convention under each step." if self.view.explain else "off: e brings them back."),
            timeout=2,
        )
        self.refresh_view()

    def action_toggle_names(self) -> None:
        self.view.v_names = not self.view.v_names
        self.notify(
            "The dynamic-programming view's names: v for δ, d for z, t for f', g for ∂L/∂w (v = Σ(v·w)·t(d), g = v·x)."
            if self.view.v_names
            else "Names δ, z, f', ∂L/∂w.",
            timeout=3,
        )
        self.refresh_view()

    def action_toggle_mistake(self) -> None:
        if self.busy:
            return
        s = self.stepper
        s.set_mistake(not s.mistake)
        if s.mistake:
            self.notify(
                "The common mistake is on: δ is sent back through weights already updated. Steps that "
                "differ show the correct value beside them; t still trains correctly.",
                title="Common mistake",
                severity="warning",
                timeout=8,
            )
        else:
            self.notify("The common mistake is off: every number is right again.", timeout=3)
        self.refresh_view()

    @property
    def quiz_label(self) -> str:
        return "derive" if self.derive else "quiz"

    def on_quiz_screen_scored(self, event) -> None:
        self.quiz = event.score
        self.show_status()

    def action_quiz(self) -> None:
        self.toggle_quiz(derive=False)

    def action_derive(self) -> None:
        self.toggle_quiz(derive=True)

    def toggle_quiz(self, derive: bool) -> None:
        """k asks for numbers, s for expressions; either key ends its own mode or switches."""
        if self.quiz is not None:
            self.notify(f"{'Derive mode' if self.derive else 'Quiz'} over: {self.quiz}.", title="Quiz", timeout=5)
            ending = self.derive == derive
            self.quiz = None
            if ending:
                self.refresh_view()
                return
        self.quiz, self.derive = Score(), derive  # the status line says so; n now asks before it reveals
        self.refresh_view()

    @on(StepList.Picked)
    def jump_to_step(self, event: StepList.Picked) -> None:
        self._move(lambda: self.stepper.goto(event.index + 1))

    # -- the course ------------------------------------------------------------------------------

    def action_course(self) -> None:
        if self.busy:
            return
        from engine.course import LessonError, course
        from tui.screens.course import CourseScreen

        try:
            self.lessons = course()
        except LessonError as err:
            self.notify(str(err), title="The course", severity="error", timeout=10)
            return
        from tui.course import Progress

        # Read again each time: another window, or `learn --reset`, may have changed it.
        self.progress, trouble = Progress.load()
        if trouble:
            self.notify(trouble, title="The course", severity="warning", timeout=10)
        running = None
        if self.lesson is not None:  # the lesson on now keeps its own record
            running = self.lesson.lesson.id
            self.progress.records[running] = self.lesson.record
            self.lesson.progress = self.progress
        self.push_screen(CourseScreen(self.lessons, self.progress, running), self.lesson_chosen)

    async def lesson_chosen(self, choice: str | None) -> None:
        from tui.course import LessonRun, Record
        from tui.screens.course import STOP, LessonText

        if choice is None:
            return
        if choice == STOP:
            self.lesson = None
            self.refresh_bindings()
            self.refresh_view()
            return
        lesson = next(lesson for lesson in self.lessons if lesson.id == choice)
        if self.progress.record(lesson.id).done:  # opened again: it starts over
            self.progress.records[lesson.id] = Record()
        network = resolve(lesson.network)
        stepper = Stepper(network)
        left = (self.network, self.stepper, self.view)
        await self.show_network(network, stepper, View(stepper, digits=self.view.digits))
        self.keep_to_go_back(left)
        self.lesson = LessonRun(lesson, self.progress, network)
        self.refresh_bindings()
        starting = self.lesson.record.task == 0
        self.call_after_refresh(self.begin_task, not starting)
        if starting:
            self.push_screen(LessonText(lesson.title, lesson.intro))

    def begin_task(self, with_lead: bool = True) -> None:
        """Set the app as the current task needs it (its sample, names, switches; a value to
        predict or derive not yet computed) and show it, after the text that leads to it."""
        from tui.screens.course import LessonText

        run = self.lesson
        if run is None or run.network is not self.network:
            return
        task, s = run.task, self.stepper
        if task is not None:
            setup = task.setup
            if setup.sample is not None:
                self.view.focus = setup.sample
            s.set_sample(setup.sample)
            s.set_mistake(setup.mistake)
            self.view.v_names = setup.v_names
            run.position(s)
        self.refresh_view()
        if task is not None and task.answered:
            self.query_one("#task-answer", Input).focus()
        if task is not None and with_lead and task.lead:
            self.push_screen(LessonText(run.lesson.title, task.lead))
        elif task is None and run.lesson.outro and with_lead:
            self.push_screen(LessonText(run.lesson.title, run.lesson.outro))

    def show_task(self) -> None:
        run = self.lesson
        panel = self.query_one(TaskPanel)
        if run is not None and run.network is not self.network:
            panel.show(run.paused())
        else:
            panel.show(None if run is None else run.shown())

    @on(Input.Submitted, "#task-answer")
    def task_answered(self, event: Input.Submitted) -> None:
        run = self.lesson
        if run is None or run.network is not self.network or self.busy:
            return
        choice = run.task is not None and bool(run.task.options)
        if run.answer(event.value, self.stepper, self.view.v_names):
            event.input.value = ""
            self.begin_task()
        else:
            if choice:  # a number pressed: the box is ready for the next one
                event.input.value = ""
            self.show_task()

    @on(Input.Changed, "#task-answer")
    def task_choice_typed(self, event: Input.Changed) -> None:
        """A choice's number is its answer: no Enter needed."""
        run = self.lesson
        task = None if run is None else run.task
        if (
            task is not None
            and task.options
            and event.value.strip() in {str(n) for n in range(1, len(task.options) + 1)}
        ):
            self.task_answered(Input.Submitted(event.input, event.value))

    def action_answer_box(self) -> None:
        self.query_one("#task-answer", Input).focus()

    def action_hint(self) -> None:
        if self.lesson is not None and self.lesson.network is self.network:
            self.lesson.hint(self.stepper, self.view.v_names)
            self.show_task()

    def check_action(self, action: str, parameters) -> bool | None:
        """h (a hint) is a key only while a lesson's task is on."""
        if action == "hint":
            return self.lesson is not None and self.lesson.task is not None
        if action == "answer_box":  # Enter, when the box has lost the focus (Esc, a dialog)
            return self.lesson is not None and self.lesson.task is not None and self.lesson.task.answered
        return True

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

    def action_closed_form(self) -> None:
        if self.busy:
            return
        from tui.screens.closedform import ClosedFormScreen

        self.push_screen(ClosedFormScreen(self.view), self.view_returned)

    def action_chain(self) -> None:
        if self.busy:
            return
        from tui.screens.chain import ChainPrompt

        self.push_screen(ChainPrompt(self.view, self.default_weight()), self.explain_weight)

    def default_weight(self) -> str:
        """The weight to offer first: one the current step touches, else the last layer's first."""
        step = self.stepper.step
        for name in [step.writes, *step.reads] if step is not None else []:
            quantity = Quantity.parse(name)
            param = quantity.parameter if quantity is not None else None  # W₂ for W₂ and ∂L/∂W₂
            if param is not None and param.id in self.network.params:
                return f"{param.id}[0,0]" if param.kind is Kind.W else f"{param.id}[0]"
        return f"{Quantity(Kind.W, self.network.depth).id}[0,0]"

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

        self.push_screen(ChainScreen(self.view, name, index), self.view_returned)

    def view_returned(self, view: View | None) -> None:
        """A screen's sample in focus and names (chain, closed form) carry over to the panels."""
        if view is not None:
            self.view.focus, self.view.v_names = view.focus, view.v_names
        self.refresh_view()

    @on(NetworkDiagram.Picked, "#diagram")
    def weight_clicked(self, event: NetworkDiagram.Picked) -> None:
        self.open_chain(event.name, event.index)

    def action_gradient_check(self) -> None:
        if self.busy:
            return
        from tui.screens.gradcheck import GradCheckScreen

        s = self.stepper
        # The gradients of the iteration on screen: from the parameters of its forward pass, on
        # the rows it walks (during the update phase s.params are half updated: never checked).
        first, last = s.rows.start, s.rows.stop - 1
        whole = f"rows {first}–{last}" if self.network.mini_batches else "the whole batch"
        rows = whole if s.sample is None else f"sample {s.sample_row}"
        where = f"the parameters of iteration {s.iteration + 1}'s forward pass, on {rows}"
        self.push_screen(GradCheckScreen(self.network, s.start_params, where, s.batch(s.sample)))

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(self.network, self.view.fmt))

    def action_loss_plot(self) -> None:
        from tui.screens.plot import PlotScreen

        self.push_screen(PlotScreen(list(self.stepper.losses), self.training))

    def action_decision_map(self) -> None:
        from tui.screens.decision import MapScreen

        self.push_screen(MapScreen(self.network, self.stepper.params, self.where, self.view.fmt, self.no_color))

    def action_export(self) -> None:
        if self.busy:
            return
        self.push_screen(
            SavePrompt(
                f"{writing.slug(self.network.name)}-iteration-{self.stepper.iteration + 1}.md",
                "export",
                "Write this iteration as a Markdown worked solution to",
            ),
            self.export_iteration,
        )

    def export_iteration(self, path: str | None) -> None:
        if path is None:
            return
        s = self.stepper
        try:
            writing.export_iteration(self.network, s, path)
        except OSError as err:
            self.notify(
                f"Cannot write {shown(path)}: {err.strerror or err}. Nothing was written.",
                title="Not exported",
                severity="error",
                timeout=8,
            )
            return
        self.notify(
            f"Wrote iteration {s.iteration + 1} as a worked solution to {shown(os.path.abspath(path))}.", timeout=4
        )

    def action_open(self) -> None:
        if not self.busy:
            self.push_screen(OpenPrompt(), self.open_network)

    def open_network(self, name: str | None) -> None:
        """The open prompt's answer: read in a worker, so that the screen goes on meanwhile."""
        if name is not None:
            self.run_worker(self._open_network(name), group="open", exclusive=True)

    async def _open_network(self, name: str) -> None:
        from engine.proposal import CsvError, read_table

        self.loading = name
        self.notify(f"Opening {shown(name)}…", timeout=2)
        csv = name.lower().endswith(".csv")  # data with a header: a network is proposed for it
        try:
            opened = await in_daemon_thread(read_table if csv else resolve, name)
        except (NetworkError, CsvError) as err:
            self.notify(str(err), title="Cannot open", severity="error", timeout=8)
            return
        finally:
            self.loading = None
        if csv:
            from tui.screens.fromcsv import CsvScreen

            self.push_screen(CsvScreen(opened), self.edit_proposal)
            return
        said = await self.switch_to(opened)
        self.notify(f"Opened {opened.name}. {said}", timeout=6)

    def edit_proposal(self, network: Network | None) -> None:
        """The network proposed for a CSV, into the editor: applied, it opens."""
        from engine.optimizers import network_state
        from tui.screens.edit import EditScreen

        if network is not None:
            self.push_screen(
                EditScreen(network, network.params, network_state(network), fresh=True), self.open_proposal
            )

    async def open_proposal(self, result: tuple[Network, bool] | None) -> None:
        if result is None:
            return
        network, save = result
        said = await self.switch_to(network)
        self.notify(f"Opened {network.name}, a network for the CSV's data. {said}", timeout=8)
        if save:
            self.action_save()

    async def switch_to(self, network: Network) -> str:
        """A new run of another network from iteration 1; what was open stays behind it for p.
        Returns the words that say how to go back."""
        left, where = (self.network, self.stepper, self.view), self.where
        stepper = Stepper(network)
        await self.show_network(network, stepper, View(stepper, digits=self.view.digits))
        self.keep_to_go_back(left)
        return f"p at its start returns to {left[0].name}, {where}."

    def action_edit(self) -> None:
        from tui.screens.edit import EditScreen

        if not self.busy:
            params, state, midway = self.stepper.settled()
            self.push_screen(EditScreen(self.network, params, state, midway), self.edited)

    async def edited(self, result: tuple[Network, bool] | None) -> None:
        if result is None:
            return
        from engine.edit import only_learning_rate, settings

        network, save = result
        s = self.stepper
        if not only_learning_rate(self.network, settings(network)):
            start = f"parameters drawn from seed {network.seed}"
        elif s.settled()[2]:
            start = f"the parameters iteration {s.iteration + 1:,} started from (its update was not finished)"
        else:
            start = "the parameters on screen"
        said = await self.switch_to(network)
        self.notify(f"Applied the change: a new run from iteration 1 with {start}. {said}", timeout=8)
        if save:
            self.action_save()

    def keep_to_go_back(self, left: tuple[Network, Stepper, View]) -> None:
        """What was open stays, with its undo, until p at the start of the new one returns to it;
        those opened before it while their checkpoints take at most HISTORY_BYTES together."""
        self.opened_before.append(left)
        while len(self.opened_before) > 1 and sum(s.held_bytes for _, s, _ in self.opened_before) > HISTORY_BYTES:
            del self.opened_before[0]

    async def show_network(self, network: Network, stepper: Stepper, view: View) -> None:
        """Show another network: its layer panels, and every panel from its Stepper."""
        layers = self.query_one("#layers")
        await layers.remove_children()  # first: no panel may show a layer the new network lacks
        self.network, self.stepper, self.view = network, stepper, view
        self.title = network.name
        await layers.mount(*self._layer_panels())
        self.call_after_refresh(self.refresh_view)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Textual's "Screenshot" command: an SVG of the screen (see writing.screenshot_path), and
        a notification of where (or why not). Returns the file's path."""
        target = writing.screenshot_path(self.network.name, filename, path, time_format)
        try:
            write_atomic(target, self.export_screenshot())
        except OSError as err:
            self.notify(
                f"Cannot save the screenshot in {target.parent}: {err.strerror or err}.",
                title="Screenshot",
                severity="error",
                timeout=8,
                markup=False,
            )
            return None
        self.notify(f"Saved the screenshot to {target}.", title="Screenshot", timeout=6, markup=False)
        return str(target)

    def action_save(self) -> None:
        if not self.busy:
            self.push_screen(SavePrompt(f"{writing.slug(self.network.name)}.toml"), self.save_network)

    def save_network(self, path: str | None) -> None:
        if path is None:
            return
        try:
            midway = writing.save_network(self.network, self.stepper, path)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            self.notify(
                f"Cannot save {shown(path)}: {reason}. Nothing was written.",
                title="Not saved",
                severity="error",
                timeout=8,
            )
            return
        where = (
            f"as iteration {self.stepper.iteration + 1} started (its update is not finished)"
            if midway
            else f"at {self.where}"
        )
        self.notify(f"Saved {shown(os.path.abspath(path))}: the network {where}.", timeout=4)

    # -- training --------------------------------------------------------------------------------

    def action_train(self) -> None:
        if not self.busy:
            self.push_screen(TrainPrompt(), self.start_training)

    async def start_training(self, count: int | None) -> None:
        if count is None:
            return
        await self.query_one(TrainingBar).start(count)
        run = self.stepper.start_run()
        self.trained_from = self.stepper.iteration
        self.trainer_done.clear()
        self.trainer = self.train_worker(self.network, count, run)

    @work(thread=True, exclusive=True, group="train")
    def train_worker(self, network: Network, count: int, run) -> None:
        """Trains on copies this thread owns; the app applies each chunk it hands over on the UI
        thread, where the Stepper is only ever changed."""
        worker = get_current_worker()
        try:
            done = train_in_chunks(
                network,
                count,
                run,
                lambda chunk: self.call_from_thread(self.trained, chunk, count),
                stop=lambda: worker.is_cancelled,
            )
            self.call_from_thread(self.training_finished, done, count)
        finally:
            self.trainer_done.set()

    def trained(self, chunk: list, count: int) -> None:
        """A training run's latest iterations: into the Stepper, then the progress, the header,
        the loss history and a loss plot that is open."""
        self.stepper.add_run(chunk)
        loss, fmt = chunk[-1][0], self.view.fmt
        self.query_one(TrainingBar).show(self.stepper.iteration - self.trained_from, count, fmt(loss))
        self.query_one(StatusLine).show(
            self.view, self.quiz, training=(self.stepper.iteration + 1, loss), quiz_label=self.quiz_label
        )
        losses = list(self.stepper.losses)
        self.query_one(LossHistory).show(losses, fmt, (len(losses), losses[0], losses[-1]))
        self.follow_run()

    def follow_run(self) -> None:
        """A screen that follows the run (the loss plot, the decision map): the latest of it."""
        if isinstance(self.screen, LiveDialog):
            self.screen.training = self.training
            self.screen.follow(list(self.stepper.losses), self.stepper.params, self.where)

    def training_finished(self, done: int, count: int) -> None:
        self.query_one(TrainingBar).stop()
        self.trainer = None
        self.refresh_view()  # the loss plot or the map too, with the run ended
        found = self.stepper.nonfinite(revealed_only=False)
        if found is not None:
            self.notify(
                f"Training stopped after {counted(done, 'iteration')}: the numbers diverged at {found.describe()} "
                f"Step through this iteration to see it happen, or press p to go back.",
                title="Diverged",
                severity="error",
                timeout=15,
            )
            return
        note = f"Trained {counted(done, 'iteration')}" + ("" if done == count else f" (stopped; {count:,} asked)")
        self.notify(note + f"; now at iteration {self.stepper.iteration + 1}.", timeout=4)

    async def action_quit(self, code: int | None = None) -> None:
        """q, a kill or a closed terminal: a training run stops first and the session keeps
        the iterations it finished (a cancelled worker's thread runs on until it looks, then
        hands its last iterations over)."""
        if self.training:
            self.trainer.cancel()
            await asyncio.to_thread(self.trainer_done.wait, 30)
            self.remember()
        self.workers.cancel_group(self, "open")  # a file being read: its thread is left to end alone
        self.exit(None, code)

    def action_stop_training(self) -> None:
        if self.training:
            self.trainer.cancel()
