"""The header: one line saying where the learner is, shortened until it fits the width."""

from __future__ import annotations

from textual.widgets import Static

from engine.quiz import Score
from tui.text import literal
from tui.widgets.present import View


class StatusLine(Static):
    """Network, iteration, phase, step, loss, batch or sample (counted from 0, like the rows of
    X), the common mistake and the quiz's score. A Static of fixed height, updated without a
    relayout: Textual's Header cost ~20 ms a key."""

    def show(
        self,
        view: View,
        quiz: Score | None = None,
        training: tuple[int, float] | None = None,
        quiz_label: str = "quiz",
    ) -> None:
        """training: (the iteration being run, the latest loss) while `t` runs; quiz_label: "quiz"
        (numbers) or "derive" (expressions)."""
        self.update(literal(self.line(view, quiz, training, quiz_label)), layout=False)

    def line(self, view: View, quiz: Score | None, training: tuple[int, float] | None, quiz_label="quiz") -> str:
        s, fmt = view.stepper, view.fmt
        m, rows, optimizer = s.network.samples, s.rows, s.network.optimizer
        first, last = rows.start, rows.stop - 1
        if s.network.mini_batches:  # the rows of the data it holds, and where an epoch ends
            walking = (
                f"row {first} of {m}"
                if last == first
                else f"rows {first}–{last} of {m}"
                if s.sample is None
                else f"sample {s.sample_row} of rows {first}–{last}"
            )
            walking += f" · epoch {s.epoch} ends" if s.ends_epoch else ""
        else:
            walking = (
                f"sample {s.sample} of 0–{m - 1}" if s.sample is not None else "1 sample" if m == 1 else f"batch of {m}"
            )
        walking += "".join(
            [
                "" if optimizer.plain else f" · {optimizer.title}",
                f", t = {s.start_state.t + 1}" if optimizer.name in ("adam", "adamw") else "",  # its bias correction's
                " · ⚠ common mistake" if s.mistake else "",
                f" · {quiz_label}: {quiz}" if quiz is not None else "",
            ]
        )

        def forms(iteration: int, phase: str, step: str, loss: str, short_loss: str = "") -> tuple[str, str]:
            return (
                f"iteration {iteration:,} · {phase}{f' · step {step}' if step else ''} · {loss} · {walking}",
                f"iter. {iteration:,} · {phase}{f' {step}' if step else ''} · {short_loss or loss} · {walking}",
            )

        if training is not None:
            iteration, latest = training
            lines = [forms(iteration, "training", "", f"loss {fmt(latest)}")]
        else:
            revealed = s.cursor > 0 and s.phase != "forward"
            # before this iteration's loss is computed, the one shown is the previous iteration's
            before = f"iteration {s.iteration:,}'s " if s.iteration else ""
            short = f"iter. {s.iteration:,}'s " if s.iteration else ""
            loss = "loss —" if s.loss is None else f"{'' if revealed else before}loss {fmt(s.loss)}"
            short_loss = "loss —" if s.loss is None else f"{'' if revealed else short}loss {fmt(s.loss)}"
            total = f"{s.total}/{s.total}"
            lines = [forms(s.iteration + 1, s.phase, f"{s.cursor}/{s.total}", loss, short_loss)] + [
                forms(s.iteration + 1, phase, total, f"{before}loss {fmt(-0.5)}", f"{short}loss {fmt(-0.5)}")
                for phase in {step.phase for step in s.steps} | {"ready"}
            ]
        # The form that fits the widest line of this iteration, and the name (which gives way
        # first, then the last parts, whole) cut to the room that line leaves: while stepping,
        # the header keeps its form and the name its length. The line spans the screen, which
        # has its size before this widget is laid out.
        (long, short), name, room = lines[0], s.network.name, self.screen.size.width - 2
        widest_long, widest_short = (max(len(line[form]) for line in lines) for form in (0, 1))
        if len(name) + 3 + widest_long <= room:
            return f"{name} · {long}"
        if len(name) + 3 + widest_short <= room:
            return f"{name} · {short}"
        keep = room - widest_short - 3
        if keep >= 4:
            return f"{name[: keep - 1]}… · {short}"
        parts = short.split(" · ")
        while len(parts) > 1 and len(" · ".join(parts)) > room:
            parts.pop()
        return " · ".join(parts)
