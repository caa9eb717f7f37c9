"""Pictures of results, on the shared canvas and fonts of ``bot/core/pictures.py`` (DejaVu Sans,
Noto Emoji per glyph for emoji).

Every function takes text already translated by the caller and returns PNG bytes. Pillow is
imported when a picture is drawn, not when the cog loads: a bot that never draws never pays
for it (footprint).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.glyphs import draw_text, length
from bot.core.pictures import INK, MUTED, PAD, PALETTE, TRACK, WIDTH, Canvas, font
from bot.core.pictures import fit as _fit
from bot.core.pictures import probe as _probe
from bot.core.pictures import wrap as _wrap

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont as Font


def bars(
    title: str,
    subtitle: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    highlight_first: bool = False,
    numbered: bool = False,
) -> bytes:
    """Horizontal bars: (label, value, value text) per row, longest bar = largest value. A long
    label wraps (up to three lines) instead of being cut; a zero value leaves its track empty.
    ``numbered``: each label starts with its position, as the poll lists its choices."""
    label_w, value_w = 280, 150
    probe = _probe()
    labels = [
        _wrap(probe, f"{i}. {label}" if numbered else label, font(16), label_w)
        for i, (label, _, _) in enumerate(rows, start=1)
    ]
    heights = [max(44, 20 * len(lines) + 12) for lines in labels]
    canvas = Canvas(140 + sum(heights) + 60)
    canvas.header(title, subtitle)
    draw = canvas.draw
    top = max((v for _, v, _ in rows), default=0) or 1
    bar_x = PAD + label_w + 12
    bar_w = WIDTH - bar_x - value_w - PAD
    for i, ((_, value, shown), lines, height) in enumerate(
        zip(rows, labels, heights, strict=True)
    ):
        y = canvas.y + (height - 44) // 2  # the bar is centred on its label's lines
        colour = PALETTE[0] if not highlight_first or i == 0 else PALETTE[6]
        for n, line in enumerate(lines):
            draw_text(draw, (PAD, canvas.y + 6 + 20 * n), line, font(16), INK)
        draw.rounded_rectangle((bar_x, y + 4, bar_x + bar_w, y + 30), radius=6, fill=TRACK)
        filled = int(bar_w * value / top)
        if filled > 0:
            draw.rounded_rectangle(
                (bar_x, y + 4, bar_x + max(filled, 12), y + 30), radius=6, fill=colour
            )
        draw_text(draw, (bar_x + bar_w + 10, y + 6), shown, font(16, True), INK)
        canvas.y += height
    return canvas.png()


def histogram(
    title: str, subtitle: str, counts: Sequence[int], labels: Sequence[str], headline: str
) -> bytes:
    """Vertical bars (a rating's 1–5 distribution) under a big headline (the mean)."""
    canvas = Canvas(520)
    canvas.header(title, subtitle)
    draw = canvas.draw
    draw_text(draw, (PAD, canvas.y), headline, font(36, True), PALETTE[0])
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
        left = x + (w - length(draw, shown, font(18, True))) / 2
        draw_text(draw, (left, base - h - 26), shown, font(18, True), INK)
        left = x + (w - length(draw, label, font(16))) / 2
        draw_text(draw, (left, base + 8), label, font(16), INK)
    canvas.y = base + 40
    return canvas.png()


def word_cloud(title: str, subtitle: str, words: Sequence[tuple[str, int]], empty: str) -> bytes:
    """Words sized by their count, packed in centred rows, the most frequent first."""
    words = list(words)[:60]
    probe = _probe()
    top = max((c for _, c in words), default=1)
    placed: list[list[tuple[str, Font, int, float]]] = [[]]
    row_width = 0.0
    limit = WIDTH - 2 * PAD
    for i, (word, count) in enumerate(words):
        size = int(16 + 48 * (count - 1) / max(top - 1, 1)) if top > 1 else 28
        face = font(size, bold=count == top)
        width = min(length(probe, word, face), limit)
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
        draw_text(draw, (PAD, canvas.y), empty, font(18), MUTED)
        canvas.y += 40
    for row, height in zip(placed, heights, strict=True):
        total = sum(w for _, _, _, w in row) + 18 * (len(row) - 1)
        x = (WIDTH - total) / 2
        for word, face, index, width in row:
            shown = word if width < limit else _fit(draw, word, face, limit)
            colour = PALETTE[index % len(PALETTE)]
            draw_text(draw, (x, canvas.y + height - face.size - 8), shown, face, colour)
            x += width + 18
        canvas.y += height
    return canvas.png()


def card(title: str, subtitle: str, lines: Sequence[tuple[str, bool]]) -> bytes:
    """A list of lines (text, bold), for open answers, quizzes and boards; a long line wraps
    (up to three lines, its author kept on the last) instead of being cut."""
    probe = _probe()
    wrapped = [
        (_wrap(probe, text, font(18 if bold else 16, bold), WIDTH - 2 * PAD), bold)
        for text, bold in lines
    ]
    canvas = Canvas(140 + sum(8 + 22 * len(w) for w, _ in wrapped) + 40)
    canvas.header(title, subtitle)
    draw = canvas.draw
    for parts, bold in wrapped:
        face = font(18 if bold else 16, bold)
        colour = INK if bold else MUTED if not parts[0].startswith(" ") else INK
        for part in parts:
            draw_text(draw, (PAD, canvas.y), part, face, colour)
            canvas.y += 22
        canvas.y += 8
    return canvas.png()
