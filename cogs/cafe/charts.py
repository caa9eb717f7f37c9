"""The dashboard's attendance chart: registrations against attendance, month by month.

Drawn with the shared canvas of ``bot/core/pictures.py`` (Pillow imported only when drawn);
every text comes translated from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.pictures import INK, MUTED, PAD, PALETTE, TRACK, WIDTH, Canvas, fit, font

REGISTERED_COLOUR = PALETTE[0]
PRESENT_COLOUR = PALETTE[2]
PLOT_HEIGHT = 260


def paired_columns(
    title: str,
    subtitle: str,
    columns: Sequence[tuple[str, int, int]],
    legend: tuple[str, str],
) -> bytes:
    """Two columns per label — ``(label, first, second)`` — on one scale, with a legend.
    A label's second line (after ``\\n``) is written under its first."""
    canvas = Canvas(140 + 40 + PLOT_HEIGHT + 70)
    canvas.header(title, subtitle)
    draw = canvas.draw
    x = PAD
    for colour, name in zip((REGISTERED_COLOUR, PRESENT_COLOUR), legend, strict=True):
        draw.rectangle((x, canvas.y + 4, x + 16, canvas.y + 20), fill=colour)
        draw.text((x + 24, canvas.y + 2), name, font=font(16), fill=INK)
        x += 48 + int(draw.textlength(name, font=font(16)))
    canvas.y += 40
    base = canvas.y + PLOT_HEIGHT
    draw.line((PAD, base, WIDTH - PAD, base), fill=TRACK, width=2)
    top = max((max(a, b) for _, a, b in columns), default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(len(columns), 1)
    bar = max(int(slot * 0.36), 4)
    small = font(12)
    for i, (label, first, second) in enumerate(columns):
        left = PAD + i * slot + (slot - 2 * bar) / 2
        for j, (value, colour) in enumerate(
            ((first, REGISTERED_COLOUR), (second, PRESENT_COLOUR))
        ):
            x0 = left + j * bar
            height = int((PLOT_HEIGHT - 24) * value / top)
            if height:
                draw.rectangle((x0, base - height, x0 + bar - 1, base), fill=colour)
            shown = str(value)
            draw.text(
                (x0 + (bar - draw.textlength(shown, font=small)) / 2, base - height - 16),
                shown,
                font=small,
                fill=INK,
            )
        # A label may hold two lines (month, then year): twelve months fit 800 pixels.
        for line_number, line in enumerate(label.split("\n")[:2]):
            name = fit(draw, line, small, int(slot) - 4)
            draw.text(
                (
                    PAD + i * slot + (slot - draw.textlength(name, font=small)) / 2,
                    base + 8 + 16 * line_number,
                ),
                name,
                font=small,
                fill=MUTED,
            )
    canvas.y = base + 48
    return canvas.png()
