"""The polls' dashboard service (cogs/poll/dashboard.py) on SQLite and PostgreSQL: results as a
data table and a picture under the chat's rules (anonymity, hidden until closed), CSV export."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core import UserError
from bot.core.dashboard_pages import POLLS, PollDashboard
from tests.cogs.poll.conftest import dm
from tests.harness import Harness


def board(h: Harness) -> PollDashboard:
    found = h.core.web.service(POLLS)
    assert found is not None
    return found  # type: ignore[no-any-return]


async def test_results_table_picture_and_export(h: Harness) -> None:
    await h.say("alice", '!poll create "Café ?" choices:"Expresso | Allongé | Crème"')
    for name, choice in (("bob", 1), ("carol", 1), ("dan", 3)):
        await h.say(name, f"!poll vote 1 choice:{choice}")
    dash = board(h)
    fr = h.core.i18n.translator("fr")
    [summary] = await dash.polls(fr)
    assert (summary.id, summary.question, summary.voters, summary.shown) == (1, "Café ?", 3, True)
    assert [(r.label, r.value) for r in summary.rows] == [
        ("Expresso", "2 votes (67 %)"),
        ("Allongé", "0 vote (0 %)"),
        ("Crème", "1 vote (33 %)"),
    ]
    picture = await dash.picture(1, fr)
    assert picture is not None and Image.open(io.BytesIO(picture.png)).format == "PNG"
    assert picture.alt.startswith("Résultats du sondage « Café ? »")
    assert "Expresso : 2 votes (67 %)" in picture.alt
    english = await dash.poll(1, h.core.i18n.translator("en"))
    assert english.rows[0].value.startswith("2 votes")
    mod = (await h.core.members.find_by_name("alice"))[0].id
    export = await dash.export(1, mod, moderator=False)  # the author may export
    assert export.filename == "sondage-1.csv"
    assert "bob" in export.body.decode("utf-8-sig")  # a named poll names its voters
    carol = (await h.core.members.find_by_name("carol"))[0].id
    with pytest.raises(UserError):
        await dash.export(1, carol, moderator=False)


async def test_anonymous_and_hidden_results_stay_hidden(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:open anonymous:true')
    await h.say("alice", '!poll create "R ?" choices:"A | B" results:hidden')
    await h.say("bob", '!poll vote 1 text:"Secret de bob"', room=dm(h, "bob"))
    await h.say("carol", '!poll vote 1 text:"Avis de carol"', room=dm(h, "carol"))
    await h.say("bob", "!poll vote 2 choice:A")
    dash = board(h)
    fr = h.core.i18n.translator("fr")
    by_id = {p.id: p for p in await dash.polls(fr)}
    assert not by_id[1].shown and by_id[1].rows == [] and "Résultats masqués" in by_id[1].note
    assert not by_id[2].shown and "à la clôture" in by_id[2].note
    assert await dash.picture(1, fr) is None and await dash.picture(2, fr) is None
    mod = (await h.core.members.find_by_name("alice"))[0].id
    with pytest.raises(UserError):  # two ballots would give them away
        await dash.export(1, mod, moderator=True)
    await h.say("alice", "!poll close 2")
    closed = await dash.poll(2, fr)
    assert closed.closed and closed.shown and closed.rows[0].value == "1 vote (100 %)"
    with pytest.raises(UserError):
        await dash.poll(99, fr)
