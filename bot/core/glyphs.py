"""Text on pictures with a fallback font per glyph: DejaVu Sans for letters (accents included),
the shipped Noto Emoji (SIL Open Font License, ``bot/assets/fonts``) for emoji — members write
"🎭 Théâtre" and the picture shows the mask, not an empty box.

Pillow draws a string with one font, so a string is cut into runs (emoji or not) drawn one
after the other; ``length`` measures the same way, so fitting and wrapping stay exact.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import ImageDraw
    from PIL.ImageFont import FreeTypeFont as Font

EMOJI_FONT = "NotoEmoji-Regular.ttf"
# Joiners and selectors belong to the emoji they shape (👩‍🎨, ☕️, 1️⃣).
_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}


def is_emoji(char: str) -> bool:
    """Whether ``char`` is drawn with the emoji font (pictographs, dingbats, flags…)."""
    code = ord(char)
    return (
        code >= 0x1F000
        or 0x2600 <= code <= 0x27BF  # miscellaneous symbols and dingbats: ☕ ✨ ✅
        or 0x2B00 <= code <= 0x2BFF  # ⭐ ⬆
        or 0x2300 <= code <= 0x23FF  # ⌚ ⏰
        or code in _JOINERS
    )


def runs(text: str) -> list[tuple[str, bool]]:
    """``"🎭 Théâtre"`` → ``[("🎭", True), (" Théâtre", False)]``."""
    out: list[tuple[str, bool]] = []
    for char in text:
        emoji = is_emoji(char) or (bool(out) and out[-1][1] and ord(char) in _JOINERS)
        if out and out[-1][1] == emoji:
            out[-1] = (out[-1][0] + char, emoji)
        else:
            out.append((char, emoji))
    return out


@lru_cache(maxsize=32)
def emoji_font(size: int) -> Font:
    from PIL import ImageFont

    from bot.core.pictures import FONTS

    return ImageFont.truetype(str(FONTS / EMOJI_FONT), size)


def _face(face: Font, emoji: bool) -> Font:
    return emoji_font(int(face.size)) if emoji else face


def length(draw: ImageDraw.ImageDraw, text: str, face: Font) -> float:
    """The width ``text`` takes once drawn by :func:`draw_text`."""
    return sum(draw.textlength(part, font=_face(face, emoji)) for part, emoji in runs(text))


def draw_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, face: Font, fill: Any
) -> None:
    x, y = xy
    for part, emoji in runs(text):
        used = _face(face, emoji)
        draw.text((x, y), part, font=used, fill=fill)
        x += draw.textlength(part, font=used)
