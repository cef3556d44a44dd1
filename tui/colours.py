"""The app's colours, made from the current theme's so that every theme stays readable.

Every colour that carries text is the theme's own, moved lighter (on a dark theme) or darker
(on a light one) only as far as it needs to reach WCAG AA's 4.5:1 against every background
the app draws text on: textual-light's accent, for one, is 1.5:1 on its background as the
theme gives it. The app's CSS uses these variables:

- $step-writes: what the current step writes (the theme's accent);
- $step-reads: what it reads (a light tint of the theme's primary);
- $good and $bad: known values, a loss that went down, a right answer; a loss that went up,
  a wrong answer, a number that diverged (the theme's success and error);
- $muted: quieter text, as Textual's $text-muted looks on a dialog (whose "auto" colour
  resolves against the screen behind when a dialog's text takes only its colours);
- $edge-positive and $edge-negative: the diagram's edges by the sign of their weight, blue and
  vermillion (from Okabe and Ito's palette for colour-blind readers: no theme promises a pair
  that stays apart without red and green), and never the sign's only cue (see diagram.py).

Textual's own text colours that fall short (the key bar's keys, the help's headings, the
highlighted line of a list) are moved the same way.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import STANDARD_PALETTE, ColorSystem
from rich.color import Color as RichColor
from textual.color import Color, ColorParseError

TEXT = 4.5  # WCAG AA for text
GRAPHICS = 3.0  # WCAG's minimum for the parts of a graphic one must see (the edges)

POSITIVE, NEGATIVE = Color.parse("#0072B2"), Color.parse("#D55E00")  # Okabe & Ito's blue and vermillion


def luminance(colour: Color) -> float:
    """WCAG 2's relative luminance."""

    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = colour.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2's contrast ratio, from 1 (the same) to 21 (black on white)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable(colour: Color, backgrounds: list[Color], ratio: float = TEXT) -> Color:
    """The colour, unchanged if it reaches `ratio` against every background, else lightened
    (dark backgrounds) or darkened (light ones) in small steps until it does."""
    if all(contrast(colour, background) >= ratio for background in backgrounds):
        return colour
    darker = luminance(colour) < sum(map(luminance, backgrounds)) / len(backgrounds)
    for step in range(1, 101):
        moved = colour.darken(step / 100) if darker else colour.lighten(step / 100)
        if all(contrast(moved, background) >= ratio for background in backgrounds):
            return moved
    return moved


@lru_cache(maxsize=64)
def faint(colour: Color, background: Color, ratio: float = GRAPHICS) -> Color:
    """The colour faded towards the background, at most halfway and only as far as it stays
    `ratio` from it: a weak edge, still visible (Textual's dim fades by half whatever the
    contrast left)."""
    for step in range(50, 101, 5):
        faded = background.blend(colour, step / 100)
        if contrast(faded, background) >= ratio:
            return faded
    return colour


def variables(theme: dict[str, str], ansi16: bool = False) -> dict[str, str]:
    """The app's colour variables and Textual's text colours that needed moving, from the
    theme's variables (as App.get_css_variables gives them). ansi16: the terminal shows 16
    colours (TERM=xterm or linux), see sign_colours_16."""

    def colour(name: str) -> Color:
        return grounds[0] + Color.parse(theme[name])  # over the background, if it has an alpha

    grounds = [Color.parse(theme[name]) for name in ("background", "surface", "panel")]
    out = {
        "step-writes": readable(colour("accent"), grounds),
        "step-reads": readable(colour("primary-lighten-2"), grounds),
        "good": readable(colour("success"), grounds),
        "bad": readable(colour("error"), grounds),
        "muted": readable(grounds[1].blend(colour("foreground"), 0.6), grounds),
        "edge-positive": readable(POSITIVE, grounds),
        "edge-negative": readable(NEGATIVE, grounds),
        "footer-key-foreground": readable(colour("footer-key-foreground"), [colour("footer-background")]),
    }
    # Textual's text colours (toasts' titles, the help's headings, dialogs' titles)
    textual = [f"text-{name}" for name in ("primary", "secondary", "accent", "warning", "error", "success")]
    for name in textual + [f"markdown-h{level}-color" for level in (1, 2, 3)]:
        try:
            out[name] = readable(colour(name), grounds)
        except ColorParseError:  # "auto 87%" and the like: Textual makes those contrast itself
            pass
    # the highlighted line of a list: Textual's near-white (or near-black) text on it
    cursor = colour("block-cursor-background")
    out["block-cursor-background"] = readable(cursor, [cursor + cursor.get_contrast_text(0.87)])
    if ansi16:
        out["edge-positive"], out["edge-negative"] = sign_colours_16(out["step-writes"], grounds[0])
    return {name: value.hex for name, value in out.items()}


def ansi_number(colour: Color) -> int:
    """Which of the 16 ANSI colours a terminal of 16 colours shows for this one (Rich, under
    Textual, picks the nearest)."""
    return RichColor.from_rgb(*colour.rgb).downgrade(ColorSystem.STANDARD).number


def sign_colours_16(written: Color, background: Color) -> tuple[Color, Color]:
    """With 16 colours textual-dark's accent and a vermillion both become bright red: the edges
    take ANSI colours of their own instead, blue for positive and yellow (else red, else
    magenta) for negative, never the accent's; the bright ones on a dark background."""
    taken = {ansi_number(written)}
    chosen = []
    for bright, normal in (((12, 14), (4, 6)), ((11, 9, 13), (3, 1, 5))):
        candidates = bright + normal if luminance(background) < 0.2 else normal + bright
        number = next(n for n in candidates if n not in taken)
        taken.add(number)
        chosen.append(Color(*STANDARD_PALETTE[number]))
    return chosen[0], chosen[1]
