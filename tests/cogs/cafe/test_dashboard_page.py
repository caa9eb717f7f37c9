"""The café's dashboard service (cogs/cafe/dashboard.py) on SQLite and PostgreSQL: figures per
occurrence, twelve months of registrations against attendance, registrants, CSV export."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.core import UserError
from bot.core.dashboard_pages import CAFES, CafeDashboard
from tests.cogs.cafe.test_cafe import CREATE, first_occurrence
from tests.harness import Harness


def board(h: Harness) -> CafeDashboard:
    found = h.core.web.service(CAFES)
    assert found is not None
    return found  # type: ignore[no-any-return]


async def test_figures_months_registrants_and_export(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol"):  # capacity 2: carol waits
        await cafe.invoke(name, "cafe join")
    cafe.clock.set(occ.starts_at - timedelta(minutes=5))
    await cafe.invoke("alice", "cafe here")
    await cafe.invoke("erin", "cafe here")  # a walk-in
    cafe.clock.set(occ.starts_at + timedelta(minutes=30))
    dash = board(cafe)

    series = await dash.series()
    assert [(s.title, s.recurring, s.active) for s in series] == [
        ("Café des médiateurs", True, True)
    ]
    assert series[0].occurrences >= 3 and series[0].next_start is not None

    page = await dash.occurrences()
    first = next(r for r in page.items if r.id == occ.id)
    assert (first.registered, first.waitlisted, first.present, first.walkins) == (2, 1, 1, 1)
    assert first.started and first.no_show_rate == 0.5
    assert page.items[0].starts_at > page.items[-1].starts_at  # newest first
    upcoming = [r for r in page.items if not r.started]
    assert upcoming and all(r.no_show_rate is None for r in upcoming)

    months = await dash.months()
    assert len(months) == 12 and months[-1].month == date(2027, 1, 1)
    assert months[0].month == date(2026, 2, 1)
    assert (months[-1].registered, months[-1].present) == (2, 2)
    assert sum(m.registered for m in months[:-1]) == 0

    t = cafe.core.i18n.translator("fr")
    picture = dash.chart(months, t)
    assert Image.open(io.BytesIO(picture.png)).format == "PNG"
    assert "2 inscriptions, 2 présences" in picture.alt and "janv. 2027" in picture.alt
    english = dash.chart(months, cafe.core.i18n.translator("en"))
    assert "2 registrations, 2 attendees" in english.alt and "Jan 2027" in english.alt

    who = await dash.registrants(occ.id)
    assert [(r.name, r.status, r.checked_in) for r in who] == [
        ("alice", "registered", True),
        ("bob", "registered", False),
        ("carol", "waitlisted", False),
        ("erin", "walkin", True),
    ]

    export = await dash.export()
    lines = export.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,series,title,topic,starts_at,status")
    row = next(line for line in lines if line.startswith(f"{occ.id},"))
    assert row.endswith(",2,1,1,1,0.500")
    assert "alice" not in export.body.decode()  # figures only, no names


async def test_unknown_ids_and_pages_are_explained(cafe: Harness) -> None:
    dash = board(cafe)
    with pytest.raises(UserError) as error:
        await dash.occurrence(424242)
    assert "Aucun café n'a le numéro 424242" in error.value.msgid.format(**error.value.params)
    with pytest.raises(UserError):
        await dash.registrants(424242)
    with pytest.raises(UserError):
        await dash.occurrences(0)
    empty = await dash.months()
    assert all(m.registered == 0 and m.present == 0 for m in empty)
    assert "0 inscription, 0 présence" in dash.chart(empty, cafe.core.i18n.translator("fr")).alt
