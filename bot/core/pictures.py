"""Pictures drawn with Pillow and the shipped DejaVu Sans (it has accents): the font, the
colours and a white canvas that grows downwards, for the cogs' charts (café attendance). The
same look as the poll cog's pictures (``cogs/poll/charts.py``, which also falls back to an
emoji font per glyph and keeps its own canvas for that).

Pillow is imported when a picture is drawn, not when this module loads: a bot that never
draws never pays for it (footprint). Every text is already translated by the caller.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

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


def fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(
    draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, lines: int = 3
) -> list[str]:
    out: list[str] = []
    current = ""
    for word in text.split():
        attempt = f"{current} {word}".strip()
        if draw.textlength(attempt, font=face) <= width or not current:
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
            self.draw.text((PAD, self.y), line, font=font(24, True), fill=INK)
            self.y += 32
        self.draw.text(
            (PAD, self.y + 2),
            fit(self.draw, subtitle, font(16), WIDTH - 2 * PAD),
            font=font(16),
            fill=MUTED,
        )
        self.y += 36

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.crop((0, 0, WIDTH, self.y + PAD)).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
