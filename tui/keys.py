"""Every key of the app, written once: the app's bindings, the key bar, the command palette,
the help screen's key table and the README's are all made from ACTIONS (and TEXTUAL_KEYS).
No Textual here, so anything (the help screen, a test) reads the keys without the app."""

from __future__ import annotations

from typing import NamedTuple


class Action(NamedTuple):
    keys: str  # Textual's key names, comma-separated; the first is the one the palette shows
    name: str  # the app's action_<name>
    label: str  # its word in the key bar
    title: str | None  # its line in the command palette (None: Textual's palette has its own)
    description: str  # the palette's second line, the key bar's tooltip; after the title, the key tables'


# Tables, one row per key read across (the formatter would give each field its own line).
# fmt: off
ACTIONS = [
    Action("n,right", "next", "Next", "Next step", "Compute the next chain-rule factor"),
    Action("p,left", "back", "Back", "Step back", "Undo the last step exactly, also across iterations"),
    Action("f", "finish_phase", "Phase", "Finish the phase", "Compute the rest of the current phase"),
    Action("i", "finish_iteration", "Iter.", "Finish the iteration",
           "Compute the rest of the iteration, through the update"),
    Action("t", "train", "Train", "Train N iterations",
           "Run N whole iterations on the fast path (asks N, default 100; Esc stops)"),
    Action("escape", "stop_training", "Stop", "Stop training",
           "End a run of t early, keeping the iterations it finished"),
    Action("r", "reset", "Reset", "Reset",
           "Back to iteration 1 with the initial parameters; p undoes the reset, every iteration behind it intact"),
    Action("m", "toggle_mode", "Batch/sample", "Batch or one sample",
           "The same derivation on one sample, in column vectors, or on the whole batch"),
    Action("left_square_bracket", "previous_sample", "Sample−", "Previous sample",
           "Focus on the sample before (samples are numbered from 0)"),
    Action("right_square_bracket", "next_sample", "Sample+", "Next sample", "Focus on the sample after"),
    Action("d", "digits", "Digits", "More digits", "Cycle the number of decimals through 4, 6 and 8"),
    Action("e", "toggle_explain", "Explain", "Explanations on or off",
           "Show or hide the why and convention lines of each step"),
    Action("v", "toggle_names", "δ/v", "δ or v notation",
           "Switch every panel between δ, z, f', ∂L/∂w and the dynamic-programming view's v, d, t, g"),
    Action("w", "chain", "Chain", "Explain one weight",
           "One weight's or bias's whole chain, every path and every factor, lit in the diagram "
           "(also a click on an edge or a unit)"),
    Action("a", "closed_form", "Form", "Closed form",
           "The gradient the current step works towards, composed back to the loss, its factors lit as "
           "you step (u: unsimplified; s: regression and classification side by side)"),
    Action("k", "quiz", "Quiz", "Quiz mode", "Type each value of the next step before it is revealed; a running score"),
    Action("s", "derive", "Derive", "Derive mode",
           "Type the expression of each next step's quantity (delta2.T @ A1, (δ₃W₃) ⊙ 𝟙(z₂ > 0)), judged as "
           "backprop-tui answer judges it"),
    Action("c", "toggle_mistake", "Mistake", "Common mistake on or off",
           "Send δ back through the already-updated weights, and see every number that changes"),
    Action("C", "compare", "Compare", "Compare optimizers",
           "The same network from the same start under its optimizer and another (← →), the losses side by side "
           "per iteration"),
    Action("g", "gradient_check", "Check", "Gradient check",
           "Compare this iteration's gradients with central finite differences"),
    Action("l", "loss_plot", "Plot", "Loss plot",
           "The loss of every iteration, with axes (y for a log scale); live while training"),
    Action("L", "course", "Course", "The course",
           "Lessons through the three source documents, each with tasks done here and checked; your progress kept"),
    Action("b", "decision_map", "Map", "Decision map",
           "What the network has learned: with two inputs, an output over the input plane with the samples on top "
           "(live while stepping and training); otherwise each sample's prediction beside its target"),
    Action("E", "edit", "Edit", "Edit the network",
           "Layers, units, activations, loss, learning rate, seed, optimizer, frozen parameters; each change checked "
           "as you make it; applying starts a new run (only η changed: the parameters kept), p at its start returns"),
    Action("x", "export", "Export", "Export this iteration",
           "Write it as a Markdown worked solution, as trace --format markdown does"),
    Action("z", "zoom", "Zoom", "Zoom a matrix",
           "Every cell of the matrix being computed, scrollable (Tab: the layer's others)"),
    Action("o", "open", "Open", "Open a network",
           "Another preset, a network file (a bad one is reported and the current one kept), or a CSV with a header "
           "(a network is proposed for it, into the editor); p at its start returns to the one before, where you "
           "left it"),
    Action("ctrl+s", "save", "Save", "Save the network",
           "Write it with its current parameters to a network file (asks before overwriting; in the middle of "
           "an update, the parameters the iteration started from)"),
    Action("enter", "answer_box", "Answer", "The answer box", "In a lesson, back to the task's answer box"),
    Action("h", "hint", "Hint", "A hint",
           "In a lesson, the next hint for the task (which factor, what shape, the formula)"),
    Action("question_mark,f1", "help", "Help", "Help", "What each panel means, the conventions, every key"),
    Action("q", "quit", "Quit", None, "Quit"),
]

# Left out of the key bar so that it fits 140 columns (the help and the palette list them).
NOT_IN_KEY_BAR = ("save", "stop_training", "previous_sample", "next_sample", "digits", "toggle_mode", "toggle_explain",
                  "toggle_names", "toggle_mistake", "gradient_check", "export", "open", "reset", "compare", "zoom")

# Keys Textual binds itself that a learner needs, as (keys, description).
TEXTUAL_KEYS = [
    ("tab", "Focus the current step (↑ ↓ scroll it), then the step list (↑ ↓ PgUp PgDn mark a step, Enter jumps)"),
    ("ctrl+p", "The command palette: every action above, Theme (then a theme's name: textual-light, …), and Screenshot "
               "(an SVG of the screen, saved to your Downloads folder or, without one, the current folder)"),
]
# fmt: on

_SYMBOLS = {
    "right": "→",
    "left": "←",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "escape": "Esc",
}


def shown_key(key: str) -> str:
    """One Textual key name as a learner reads it: right → →, ctrl+s → Ctrl+S, f1 → F1, n → n."""
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    return key if len(key) == 1 else "+".join(part.capitalize() for part in key.split("+"))


def key_table() -> str:
    """The Markdown table of every key and its meaning, as the help screen and the README show it."""
    rows = [
        (a.keys, f"{a.title}: {a.description[0].lower()}{a.description[1:]}" if a.title else a.description)
        for a in ACTIONS
    ] + TEXTUAL_KEYS
    lines = ["| key | action |", "|---|---|"]
    lines += [f"| {' or '.join(f'`{shown_key(k)}`' for k in keys.split(','))} | {meaning} |" for keys, meaning in rows]
    return "\n".join(lines) + "\n"
