"""Pictures drawn with Pillow and the shipped DejaVu Sans (it has accents), with Noto Emoji
for emoji (``glyphs.py``: a fallback font per glyph): the font, the colours, measuring, fitting
and wrapping text, and a white canvas that grows downwards — for every cog's charts (the poll
cog's results, the café's attendance), so they share one look.

Pillow is imported when a picture is drawn, not when this module loads: a bot that never
draws never pays for it (footprint). Every text is already translated by the caller.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.glyphs import draw_text, length

if TYPE_CHECKING:
    from PIL import ImageDraw
    from PIL.ImageFont import FreeTypeFont as Font

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
WIDTH = 800
PAD = 24
BACKGROUND = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
TRACK = (233, 236, 239)
PALETTE = [
    (46, 134, 171),
    (162, 59, 114),
    (241, 143, 1),
    (199, 62, 29),
    (59, 31, 43),
    (68, 175, 105),
    (94, 84, 142),
    (0, 128, 128),
]


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> Font:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def probe() -> ImageDraw.ImageDraw:
    """A drawing context to measure text before the picture's height is known."""
    from PIL import Image, ImageDraw

    return ImageDraw.Draw(Image.new("RGB", (1, 1)))


def fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    if length(draw, text, face) <= width:
        return text
    while text and length(draw, text + "…", face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(
    draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, lines: int = 3
) -> list[str]:
    out: list[str] = []
    current = ""
    for word in text.split():
        attempt = f"{current} {word}".strip()
        if length(draw, attempt, face) <= width or not current:
            current = attempt
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [fit(draw, line, face, width) for line in out]


class Canvas:
    """A white picture that grows downwards; ``header`` writes the question and subtitle."""

    def __init__(self, height: int) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (WIDTH, height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.y = PAD

    def header(self, title: str, subtitle: str) -> None:
        for line in wrap(self.draw, title, font(24, True), WIDTH - 2 * PAD):
            draw_text(self.draw, (PAD, self.y), line, font(24, True), INK)
            self.y += 32
        subtitle = fit(self.draw, subtitle, font(16), WIDTH - 2 * PAD)
        draw_text(self.draw, (PAD, self.y + 2), subtitle, font(16), MUTED)
        self.y += 36

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.crop((0, 0, WIDTH, self.y + PAD)).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
