"""Pictures per kind (Pillow, DejaVu Sans with accents) and English labels."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from cogs.poll import charts
from tests.harness import Harness

SETUPS = {
    "single": ('choices:"Expresso | Allongé | Crème"', ["choice:2", "choice:3"]),
    "multiple": ('kind:multiple choices:"A | B | C"', ['choice:"1|2"', "choice:3"]),
    "ranking": ('kind:ranking choices:"A | B | C"', ['choice:"1|2|3"', 'choice:"3|2|1"']),
    "rating": ("kind:rating", ["choice:4", 'choice:5 comment:"Très réussi"']),
    "open": ("kind:open", ['text:"Numérisation du patrimoine"', 'text:"Réalité augmentée"']),
    "wordcloud": ("kind:wordcloud", ['text:"Médiation"', 'text:"rentrée"']),
    "quiz": ('kind:quiz answer:"26/09/2022"', ['text:"26/09/2022"', 'text:"1/1/2022"']),
    "board": ('kind:board categories:"Réseau | Ressources"', ['text:"Un café" category:1']),
}


@pytest.mark.parametrize("kind", list(SETUPS))
async def test_every_kind_has_a_png(h: Harness, kind: str) -> None:
    options, votes = SETUPS[kind]
    await h.say("alice", f'!poll create "Où en êtes-vous ?" {options}')
    for i, vote in enumerate(votes):
        await h.say(f"m{i}", f"!poll vote 1 {vote}")
    reply = await h.reply("alice", "!poll results 1")
    assert len(reply.attachments) == 1
    picture = reply.attachments[0]
    assert picture.mime == "image/png" and picture.filename == "sondage-1.png"
    image = Image.open(io.BytesIO(picture.data))
    assert image.format == "PNG" and image.width == 800 and image.height > 100


def test_the_font_draws_accents() -> None:
    face = charts.font(24)

    def pixels(text: str) -> bytes:
        image = Image.new("L", (40, 40))
        ImageDraw.Draw(image).text((5, 5), text, font=face, fill=255)
        return image.tobytes()

    missing = pixels("\uffff")  # a code point the font lacks: drawn as a box
    for accented, plain in zip("éèàçÉêô", "eeacEeo", strict=True):
        assert pixels(accented) not in (missing, pixels(plain))


async def test_results_in_english(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:rating')
    await h.say("bob", "!language en")
    for name in ("bob", "carol"):
        await h.say(name, "!poll vote 1 choice:4")
    reply = await h.say("bob", "!poll results 1")
    assert reply is not None
    assert reply.title == "Results #1: Q ?"
    assert "Group average: **4 / 5**" in reply.text
    assert "Participation: 2 / 71 (3%)" in reply.text
    vote = await h.reply("bob", "!poll vote 1 choice:3")
    assert vote.text.startswith("Vote updated on poll #1")
