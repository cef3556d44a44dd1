"""Nothing relies on colour alone, and every text is readable: the contrast of every character
the app draws is computed from the rendered screen (WCAG 2 relative luminance), in the default
dark theme and in textual-light, in every panel and dialog."""

import textwrap

import pytest
from rich.color import ColorSystem

from engine.network import loads
from tui.app import BackpropApp
from tui.widgets.diagram import NetworkDiagram

SIZE = (140, 45)
THEMES = ["textual-dark", "textual-light"]


def luminance(rgb) -> float:
    def channel(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def graphic(ch: str) -> bool:
    """Box drawing, block elements (borders, scrollbars, sparklines) and Braille (the edges)."""
    return 0x2500 <= ord(ch) <= 0x259F or 0x2800 <= ord(ch) <= 0x28FF


def unreadable(app, where: str) -> list[str]:
    """Every run of text on screen below 4.5:1, and every Braille edge below 3:1 (WCAG's
    minimum for graphics), as it is painted: the screen's compositor gives each cell's
    character and its final colours (dim already blended, reverse swaps them). A dialog is
    judged inside its own widgets; the screen it covers is faded on purpose."""
    screen = app.screen
    modal = screen is not app.screen_stack[0]
    found = {}
    for y, strip in enumerate(screen._compositor.render_strips()):  # Textual is pinned (8.2.8)
        x = 0
        for segment in strip:
            style = segment.style
            for ch in segment.text:
                x += 1
                if style is None or ch.isspace() or (graphic(ch) and not 0x2800 <= ord(ch) <= 0x28FF):
                    continue
                if modal and screen.get_widget_at(x - 1, y)[0] is screen:
                    continue
                fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
                ratio = contrast(fg, bg)
                if ratio < (3 if graphic(ch) else 4.5):
                    key = (y, f"{fg.hex} on {bg.hex}", round(ratio, 2))
                    found[key] = found.get(key, "") + ch
    return [f"{where}: line {y}, {colours} = {ratio}:1: {text!r}" for (y, colours, ratio), text in found.items()]


async def chain(pilot):
    pilot.app.open_chain("W1", (0, 1))


async def check_finished(pilot):
    await pilot.app.screen.workers.wait_for_complete()


async def trained(pilot):
    pilot.app.stepper.run(300)


async def notifications(pilot):
    pilot.app.notify("information", title="Note")
    pilot.app.notify("a warning", severity="warning")
    pilot.app.notify("an error", severity="error")


# (what the screen shows, preset, keys or coroutines from the start, keys that leave it)
STATES = [
    ("start", "xor", [], []),
    ("forward", "xor", ["n"] * 3, []),
    ("δ sent back (reads W₂, writes ∂L/∂A₁)", "xor", ["n"] * 11, []),
    ("update", "xor", ["n"] * 17, []),
    ("iteration done", "xor", ["i"], []),
    ("step list focused", "xor", ["n", "tab", "tab"], []),
    ("common mistake", "two-outputs", ["c"] + ["n"] * 11, []),
    ("notifications", "xor", [notifications], []),
    ("help", "xor", ["question_mark"], []),
    ("one weight's chain", "regression", ["n"] * 4 + [chain], []),
    ("quiz after a wrong answer", "xor", ["k", "n", "0", "full_stop", "5", "enter"], []),
    ("gradient check", "classification", ["i", "g", check_finished], []),
    ("loss plot", "xor", [trained, "l"], []),
    ("zoom", "regression", ["n"] * 20 + ["z"], []),
    ("open prompt", "xor", ["o"], []),
    ("train prompt", "xor", ["t"], []),
    ("export prompt", "xor", ["x"], []),
    ("command palette", "xor", ["ctrl+p"], []),
]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("state", STATES, ids=[s[0] for s in STATES])
async def test_every_text_is_readable(theme, state):
    where, preset, keys, _ = state
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        for key in keys:
            await (key(pilot) if callable(key) else pilot.press(key))
        await pilot.pause(0.2)
        assert unreadable(app, f"{theme}, {where}") == []


def styles(app):
    diagram = app.query_one(NetworkDiagram)
    return {
        kind: diagram.get_component_rich_style(f"diagram--{kind}")
        for kind in ("positive", "negative", "written", "read", "node")
    }


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("term", ["xterm", "linux"])
async def test_sixteen_colours_keep_what_a_step_writes_apart_from_negative_edges(monkeypatch, theme, term):
    """TERM=xterm or linux: Textual (through Rich) maps every colour to the nearest of the 16
    ANSI colours. What the step writes and the two signs of an edge stay three colours, and
    what it writes also has a cue that is not a colour."""
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    app = BackpropApp("xor")
    assert app.console.color_system == "standard"
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        await pilot.press(*["n"] * 11)
        style = styles(app)
        ansi = {kind: s.color.downgrade(ColorSystem.STANDARD).number for kind, s in style.items()}
        assert len({ansi["written"], ansi["positive"], ansi["negative"]}) == 3, ansi
        assert style["written"].reverse and not style["negative"].reverse


async def test_the_sign_of_an_edge_is_seen_without_colour(monkeypatch):
    """Under NO_COLOR every edge is grey: a negative weight's edge is dashed, a positive
    one's solid, so the characters on screen alone tell the sign."""
    monkeypatch.setenv("NO_COLOR", "1")

    def row(weight: float) -> str:
        return loads(
            textwrap.dedent(f"""
            inputs = 1
            loss = "half_mse"
            learning_rate = 0.1
            [[layers]]
            units = 1
            activation = "identity"
            [params]
            W1 = [[{weight}]]
            [data]
            X = [[1.0]]
            Y = [[0.0]]
            """)
        )

    drawn = {}
    for weight in (0.5, -0.5):
        app = BackpropApp(row(weight))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            diagram = app.query_one(NetworkDiagram)
            lines = ["".join(s.text for s in diagram.render_line(y)) for y in range(diagram.size.height)]
            edge = next(line for line in lines if "●" in line)
            braille = edge[edge.index("●") + 8 : edge.rindex("●")].strip()
            drawn[weight] = braille
    assert drawn[0.5] and " " not in drawn[0.5], drawn  # solid
    assert drawn[-0.5].count(" ") >= 2 and drawn[-0.5].replace(" ", ""), drawn  # dashed
