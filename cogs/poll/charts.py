"""Pictures of results, drawn with Pillow and the shipped DejaVu Sans (it has accents).

Every function takes text already translated by the caller and returns PNG bytes. Pillow is
imported when a picture is drawn, not when the cog loads: a bot that never draws never pays
for it (footprint).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import bot.core

if TYPE_CHECKING:
    from PIL import ImageDraw
    from PIL.ImageFont import FreeTypeFont as Font

FONTS = Path(bot.core.__file__).resolve().parent.parent / "assets" / "fonts"
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


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(
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
    return [_fit(draw, line, face, width) for line in out]


class Canvas:
    """A white picture that grows downwards; ``header`` writes the question and subtitle."""

    def __init__(self, height: int) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (WIDTH, height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.y = PAD

    def header(self, title: str, subtitle: str) -> None:
        for line in _wrap(self.draw, title, font(24, True), WIDTH - 2 * PAD):
            self.draw.text((PAD, self.y), line, font=font(24, True), fill=INK)
            self.y += 32
        self.draw.text(
            (PAD, self.y + 2),
            _fit(self.draw, subtitle, font(16), WIDTH - 2 * PAD),
            font=font(16),
            fill=MUTED,
        )
        self.y += 36

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.crop((0, 0, WIDTH, self.y + PAD)).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


def bars(
    title: str,
    subtitle: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    highlight_first: bool = False,
) -> bytes:
    """Horizontal bars: (label, value, value text) per row, longest bar = largest value."""
    canvas = Canvas(140 + 44 * max(len(rows), 1) + 60)
    canvas.header(title, subtitle)
    draw = canvas.draw
    top = max((v for _, v, _ in rows), default=0) or 1
    label_w, value_w = 280, 150
    bar_x = PAD + label_w + 12
    bar_w = WIDTH - bar_x - value_w - PAD
    for i, (label, value, shown) in enumerate(rows):
        y = canvas.y
        colour = PALETTE[0] if not highlight_first or i == 0 else PALETTE[6]
        draw.text((PAD, y + 6), _fit(draw, label, font(16), label_w), font=font(16), fill=INK)
        draw.rounded_rectangle((bar_x, y + 4, bar_x + bar_w, y + 30), radius=6, fill=TRACK)
        length = int(bar_w * value / top)
        if length > 0:
            draw.rounded_rectangle(
                (bar_x, y + 4, bar_x + max(length, 12), y + 30), radius=6, fill=colour
            )
        draw.text((bar_x + bar_w + 10, y + 6), shown, font=font(16, True), fill=INK)
        canvas.y += 44
    return canvas.png()


def histogram(
    title: str, subtitle: str, counts: Sequence[int], labels: Sequence[str], headline: str
) -> bytes:
    """Vertical bars (a rating's 1–5 distribution) under a big headline (the mean)."""
    canvas = Canvas(520)
    canvas.header(title, subtitle)
    draw = canvas.draw
    draw.text((PAD, canvas.y), headline, font=font(36, True), fill=PALETTE[0])
    canvas.y += 60
    base, height = canvas.y + 240, 220
    top = max(counts, default=0) or 1
    slot = (WIDTH - 2 * PAD) // max(len(counts), 1)
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        x = PAD + i * slot + slot // 6
        w = slot * 2 // 3
        h = int(height * count / top)
        draw.rectangle((x, base - height, x + w, base), fill=TRACK)
        if h:
            draw.rectangle((x, base - h, x + w, base), fill=PALETTE[i % len(PALETTE)])
        shown = str(count)
        draw.text(
            (x + (w - draw.textlength(shown, font=font(18, True))) / 2, base - h - 26),
            shown,
            font=font(18, True),
            fill=INK,
        )
        draw.text(
            (x + (w - draw.textlength(label, font=font(16))) / 2, base + 8),
            label,
            font=font(16),
            fill=INK,
        )
    canvas.y = base + 40
    return canvas.png()


def word_cloud(title: str, subtitle: str, words: Sequence[tuple[str, int]], empty: str) -> bytes:
    """Words sized by their count, packed in centred rows, the most frequent first."""
    from PIL import Image, ImageDraw

    words = list(words)[:60]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    top = max((c for _, c in words), default=1)
    placed: list[list[tuple[str, Font, int, float]]] = [[]]
    row_width = 0.0
    limit = WIDTH - 2 * PAD
    for i, (word, count) in enumerate(words):
        size = int(16 + 48 * (count - 1) / max(top - 1, 1)) if top > 1 else 28
        face = font(size, bold=count == top)
        width = min(probe.textlength(word, font=face), limit)
        if placed[-1] and row_width + width + 18 > limit:
            placed.append([])
            row_width = 0.0
        placed[-1].append((word, face, i, width))
        row_width += width + 18
    # Font sizes are the whole numbers given to ``font()`` (Pillow types them as floats).
    heights = [int(max((f.size for _, f, _, _ in row), default=20)) + 16 for row in placed]
    canvas = Canvas(140 + sum(heights) + 40)
    canvas.header(title, subtitle)
    draw = canvas.draw
    if not words:
        draw.text((PAD, canvas.y), empty, font=font(18), fill=MUTED)
        canvas.y += 40
    for row, height in zip(placed, heights, strict=True):
        total = sum(w for _, _, _, w in row) + 18 * (len(row) - 1)
        x = (WIDTH - total) / 2
        for word, face, index, width in row:
            shown = word if width < limit else _fit(draw, word, face, limit)
            draw.text(
                (x, canvas.y + height - face.size - 8),
                shown,
                font=face,
                fill=PALETTE[index % len(PALETTE)],
            )
            x += width + 18
        canvas.y += height
    return canvas.png()


def card(title: str, subtitle: str, lines: Sequence[tuple[str, bool]]) -> bytes:
    """A list of lines (text, bold), for open answers, quizzes and boards."""
    canvas = Canvas(140 + 30 * max(len(lines), 1) + 40)
    canvas.header(title, subtitle)
    draw = canvas.draw
    for text, bold in lines:
        face = font(18 if bold else 16, bold)
        draw.text(
            (PAD, canvas.y),
            _fit(draw, text, face, WIDTH - 2 * PAD),
            font=face,
            fill=INK if bold else MUTED if not text.startswith(" ") else INK,
        )
        canvas.y += 30
    return canvas.png()
