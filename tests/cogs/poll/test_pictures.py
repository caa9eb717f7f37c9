"""Pictures that say everything (issue 15): emoji drawn with an emoji font, long labels wrapped,
bars numbered like the poll's list, empty bars for zero votes, open answers keeping their
author, and alt text that states the results."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageDraw

from bot.core import glyphs
from cogs.poll import charts
from tests.harness import Harness


def test_emoji_are_cut_into_their_own_runs() -> None:
    assert glyphs.runs("🎭 Théâtre ☕️") == [("🎭", True), (" Théâtre ", False), ("☕️", True)]
    assert glyphs.runs("👩‍🎨 art") == [("👩‍🎨", True), (" art", False)]
    assert glyphs.runs("Café, « thé » !") == [("Café, « thé » !", False)]


def _ink(text: str, face: Any) -> bytes:
    image = Image.new("RGB", (120, 40), "white")
    glyphs.draw_text(ImageDraw.Draw(image), (4, 4), text, face, "black")
    return image.tobytes()


def test_an_emoji_is_drawn_with_the_emoji_font_not_a_missing_glyph_box() -> None:
    face = charts.font(24)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    # DejaVu has no 🎭: alone it would draw its "missing glyph" box; the fallback draws the mask.
    box = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(box).text((4, 4), "🎭", font=face, fill="black")
    assert _ink("🎭", face) != box.tobytes()
    assert _ink("🎭", face) != Image.new("RGB", (120, 40), "white").tobytes()
    assert glyphs.length(probe, "🎭", face) == probe.textlength("🎭", font=glyphs.emoji_font(24))


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    texts: list[str] = []
    real = charts.draw_text

    def record(draw: Any, xy: Any, text: str, face: Any, fill: Any) -> None:
        texts.append(text)
        real(draw, xy, text, face, fill)

    monkeypatch.setattr(charts, "draw_text", record)
    return texts


def test_bars_are_numbered_and_long_labels_wrap(drawn: list[str]) -> None:
    long = "Dispositif régional d'aide à l'innovation culturelle et à la médiation numérique"
    png = charts.bars("Q ?", "sous-titre", [(long, 3.0, "3"), ("Court", 0.0, "0")], numbered=True)
    label_lines = [t for t in drawn if t not in ("Q ?", "sous-titre", "3", "0")]
    assert label_lines[0].startswith("1. Dispositif") and label_lines[-1] == "2. Court"
    assert len(label_lines) >= 3  # the long label took several lines…
    assert " ".join(label_lines[:-1]).replace("…", "") == f"1. {long}"  # …and lost nothing
    short = charts.bars("Q ?", "sous-titre", [("A", 3.0, "3"), ("Court", 0.0, "0")])
    assert Image.open(io.BytesIO(png)).height > Image.open(io.BytesIO(short)).height


def test_a_zero_vote_bar_is_empty() -> None:
    png = charts.bars("Q ?", "s", [("A", 0.0, "0")])
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {image.getpixel((x, y)) for x in range(340, 600) for y in range(80, 160)}
    assert charts.PALETTE[0] not in colours and charts.TRACK in colours


def test_open_answers_wrap_with_their_author_first(drawn: list[str]) -> None:
    answer = "une très longue réponse " * 12
    charts.card("Q ?", "s", [(f"Zoé Martin — « {answer} »", False)])
    body = [t for t in drawn if t not in ("Q ?", "s")]
    assert len(body) > 1 and body[0].startswith("Zoé Martin — « une très longue")


async def test_results_pictures_carry_alt_text_stating_the_results(h: Harness) -> None:
    await h.reply("alice", '!poll create "Ce café était ?" choices:"Intense | Stimulante 🎉"')
    for name, choice in (("bob", 1), ("carol", 1), ("dan", 2)):
        await h.reply(name, f"!poll vote poll:1 choice:{choice}")
    reply = await h.reply("alice", "!poll results poll:1")
    alt = reply.attachments[0].description
    assert alt.startswith("Ce café était ?")
    assert "Intense : 2 votes (67 %)" in alt and "Stimulante 🎉 : 1 vote (33 %)" in alt, alt
    await h.reply("alice", "!language en")
    english = (await h.reply("alice", "!poll results poll:1")).attachments[0].description
    assert "Intense: 2 votes (67%)" in english or "Intense: 2 votes (67 %)" in english, english
    assert "3 participants" in english
