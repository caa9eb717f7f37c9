"""The café's report after a live session (cafe end / cafe report) on the console harness with
the café, poll and resource cogs: content and attendance, anonymity in every format, the HTML
page self-contained, the CSV zip, filing in the library, links shared in the room, and the DM
to registrants who did not come (once, and not after ``me reports enabled:false``)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

from sqlmodel import select

from bot.core import Role
from bot.core.reply import Reply
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeOccurrence, CafeReport, CafeSeries, CafeSession
from tests.cogs.cafe.live_setup import MONDAY, THURSDAY, harness_on_monday
from tests.harness import Harness, make_harness

CREATE = (
    '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
    "timezone:Europe/Paris duration:60"
)
MEMBERS = ("alice", "bob", "carol", "dan", "eve", "fay", "gus")
PROGRAMME = (
    '{occ} single "Thé ou café ?" choices:"Thé | Café"',
    '{occ} rating "Votre avis sur ce café ?"',
    '{occ} wordcloud "Un mot pour votre rentrée ?"',
    '{occ} board "Vos idées ?" categories:"Lieux | Réseau"',
    '{occ} quiz "Capitale de la France ?" answer:"Paris"',
    '{occ} single "Secret ?" choices:"Oui | Non" anonymous:true',
)


h = harness_on_monday("cafe", "poll", "resource")


async def first_occurrence(h: Harness, title: str | None = None) -> int:
    """The first occurrence (of the series named ``title``, if given)."""
    async with h.db.session() as s:
        query = select(CafeOccurrence).order_by(CafeOccurrence.starts_at)
        if title is not None:
            query = query.join(CafeSeries).where(CafeSeries.title == title)
        rows = await s.exec(query)
        return next(r.id for r in rows if r.id is not None)


async def poll_of(h: Harness, occ: int, position: int) -> int:
    async with h.db.session() as s:
        row = await s.get(CafeSession, occ)
        assert row is not None
        return int(json.loads(row.polls)[str(position)])


async def run_session(h: Harness) -> int:
    """A scripted café: 7 members, alice hosts; bob…fay take part, gus registered and did
    not come; eve is a walk-in (answers without a seat)."""
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    for name in MEMBERS:
        h.adapter.set_roles(name, Role.MEMBER)
    await h.reply("mod", CREATE)
    occ = await first_occurrence(h, "Café TMNlab")
    await h.reply("mod", f'!cafe edit occurrence:{occ} host:alice topic:"La rentrée"')
    for line in PROGRAMME:
        added = await h.reply("alice", "!cafe programme add " + line.format(occ=occ))
        assert "ajoutée au programme" in added.text, added.text
    for name in ("bob", "carol", "dan", "gus"):
        await h.reply(name, f"!cafe join occurrence:{occ}")
    h.clock.set(THURSDAY - timedelta(minutes=5))
    await h.reply("alice", f"!cafe start occurrence:{occ}")
    for name in ("bob", "carol"):
        await h.reply(name, "!cafe here")
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 1)
    await h.reply("bob", f"!poll vote poll:{p} choice:1")
    await h.reply("dan", f"!poll vote poll:{p} choice:2")
    await h.reply("eve", f"!poll vote poll:{p} choice:2")
    await h.say("bob", "Voici le lien promis : https://tmnlab.com/feuille-de-route.")
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 2)
    await h.reply("bob", f'!poll vote poll:{p} choice:5 comment:"Très riche"')
    await h.reply("carol", f"!poll vote poll:{p} choice:4")
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 3)
    for name, word in (("bob", "Timide"), ("carol", "timide"), ("dan", "Chargée")):
        await h.reply(name, f'!poll vote poll:{p} text:"{word}"')
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 4)
    await h.reply("bob", f'!poll vote poll:{p} text:"Un wiki" category:Réseau')
    await h.reply("carol", f'!poll vote poll:{p} text:"Des visites" category:Lieux')
    await h.reply("dan", f"!poll vote poll:{p} choice:1")
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 5)
    await h.reply("carol", f"!poll vote poll:{p} text:Paris")
    await h.reply("alice", "!cafe next")
    p = await poll_of(h, occ, 6)
    for name in ("bob", "carol", "dan", "fay"):  # anonymous: through the slash path
        await h.invoke(name, "poll vote", poll=p, choice="2")
    await h.settle()
    await h.reply("alice", "!cafe end")
    await h.settle()
    await h.settle()
    return occ


def files(reply: Reply) -> dict[str, bytes]:
    return {a.filename: a.data for a in reply.attachments}


async def test_end_posts_the_report_in_the_room_and_files_it(h: Harness) -> None:
    occ = await run_session(h)
    posts = [s.reply for s in h.adapter.in_room() if (s.reply.title or "").startswith("Compte")]
    assert len(posts) == 1, [s.reply.title for s in h.adapter.in_room()]
    post = posts[0]
    text = post.text
    assert "Café TMNlab — La rentrée" in (post.title or "")
    assert "Animation : alice" in text and "Sujet : La rentrée" in text
    assert "jeudi 7 janvier 2027" in text
    # Seats: bob, carol, dan, gus; present: bob, carol (here), dan, eve (answered); fay
    # answered only the anonymous poll, which names nobody: not counted present.
    assert "4 inscrits" in text and "4 présents" in text
    assert "4 personnes venues pour la première fois" in text
    assert "Absents parmi les inscrits" not in text  # the no-show rate is for moderators only
    assert "Participation : 3 / 4" in text  # the first activity, against those present
    assert "Moyenne : 4,5 / 5" in text
    assert "Gagné par carol" in text
    assert "**Classement du défi**" in text and "1. **carol**" in text  # the live challenge
    assert "https://tmnlab.com/feuille-de-route (bob)" in text  # the trailing dot dropped
    pictures = [a for a in post.attachments if a.is_image]
    assert len(pictures) == 6 and all(a.data.startswith(b"\x89PNG") for a in pictures)
    assert any("Timide (2)" in a.description for a in pictures)  # alt states the results
    assert any(a.mime == "text/html" for a in post.attachments)
    # Filed in the library: the collection named after the series, a link to its page.
    found = await h.reply("bob", '!resource find collection:"Café TMNlab"')
    assert "Compte-rendu du café" in found.text, found.text
    async with h.db.session() as s:
        row = await s.get(CafeReport, occ)
    assert row is not None and row.resource_id is not None
    assert (
        f"/reports/{row.token}.html"
        in (await h.reply("bob", f"!resource show {row.resource_id}")).text
    )


async def test_report_versions_anonymity_html_and_zip(h: Harness) -> None:
    occ = await run_session(h)
    mod = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert mod.private
    assert "Absents parmi les inscrits : 1 (25 %)" in mod.text  # gus of 4 seats
    got = files(mod)
    html = got[f"cafe-{occ}-compte-rendu.html"].decode()
    assert '<html lang="fr">' in html and "<h1>" in html and "<caption>" in html
    assert not re.search(r"""(src|href)=["']https?:""", html.split("<h2>Liens")[0])
    assert "<script" not in html and "<link" not in html
    assert html.count('src="data:image/png;base64,') == 6
    assert all(alt for alt in re.findall(r'alt="([^"]*)"', html))
    assert "Absents parmi les inscrits" in html
    archive = zipfile.ZipFile(io.BytesIO(got[f"cafe-{occ}-tableaux.zip"]))
    names = sorted(archive.namelist())
    assert "participation.csv" in names and "liens.csv" in names and "classement.csv" in names
    assert len([n for n in names if n.startswith("activite-")]) == 6
    board = archive.read("activite-4-board.csv").decode("utf-8-sig")
    assert "Un wiki" in board and "bob" in board  # a named board keeps its authors
    secret = archive.read("activite-6-single.csv").decode("utf-8-sig")
    assert "membre" not in secret and "fay" not in secret
    # The anonymous poll names nobody, in any format.
    words = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    anonymous = words.split("« Secret ? »")[1].split("</section>")[0]
    for name in ("bob", "carol", "dan", "fay"):
        assert name not in anonymous
    assert "Non" in anonymous

    member = await h.reply("bob", f"!cafe report occurrence:{occ}")
    assert member.private and "Absents parmi les inscrits" not in member.text
    assert "Absents" not in files(member)[f"cafe-{occ}-compte-rendu.html"].decode()
    h.adapter.set_roles("zoe", Role.MEMBER)
    refused = await h.reply("zoe", f"!cafe report occurrence:{occ}")
    assert "réservé à ses inscrits" in refused.text and "bibliothèque" in refused.text
    assert not refused.attachments


async def test_no_show_dm_once_and_opt_out(h: Harness) -> None:
    occ = await run_session(h)
    dms = [d for d in h.adapter.dms("gus") if "pas pu venir" in d.reply.text]
    assert len(dms) == 1, [d.reply.text for d in h.adapter.dms("gus")]
    dm = dms[0].reply
    assert "Prochain café" in dm.text and "Thé ou café ?" in dm.text
    assert any(a.command == "cafe join" for a in dm.actions)
    assert not [d for d in h.adapter.dms("bob") if "pas pu venir" in d.reply.text]
    # A second end (or a re-run of the hook) sends nothing twice.
    again = await h.reply("alice", f"!cafe end occurrence:{occ}")
    assert "n'est pas en cours" in again.text
    await h.settle()
    assert len([d for d in h.adapter.dms("gus") if "pas pu venir" in d.reply.text]) == 1


async def test_me_reports_off_stops_the_dm(h: Harness) -> None:
    h.adapter.set_roles("gus", Role.MEMBER)
    off = await h.reply("gus", "!me reports enabled:false")
    assert "plus de compte-rendu" in off.text
    await run_session(h)
    assert not [d for d in h.adapter.dms("gus") if "pas pu venir" in d.reply.text]


async def test_report_refusals(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await h.reply("mod", CREATE)
    occ = await first_occurrence(h)
    never = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert "pas été mené en direct" in never.text
    unknown = await h.reply("mod", "!cafe report occurrence:99999")
    assert "99999" in unknown.text and "Traceback" not in unknown.text
    await h.reply("mod", f"!cafe edit occurrence:{occ} host:mod")
    h.clock.set(THURSDAY - timedelta(minutes=5))
    await h.reply("mod", f"!cafe start occurrence:{occ}")
    running = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert "encore en cours" in running.text


async def test_links_outside_a_session_or_room_are_not_kept(h: Harness) -> None:
    occ = await run_session(h)
    await h.say("bob", "après coup : https://exemple.org/apres")
    report = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert "exemple.org/apres" not in report.text


async def test_report_in_the_readers_language(h: Harness) -> None:
    occ = await run_session(h)
    await h.reply("bob", "!language en")
    report = await h.reply("bob", f"!cafe report occurrence:{occ}")
    assert "Report of the café" in (report.title or "") and "4 present" in report.text
    html = files(report)[f"cafe-{occ}-compte-rendu.html"].decode()
    assert '<html lang="en">' in html and "Links shared during the café" in html


async def test_report_without_the_library(db_url: str) -> None:
    harness = await make_harness(db_url, cogs=["cafe", "poll"], clock=FakeClock(MONDAY))
    try:
        occ = await run_session(harness)
        posts = [
            s for s in harness.adapter.in_room() if (s.reply.title or "").startswith("Compte")
        ]
        assert len(posts) == 1 and "Très riche" in posts[0].reply.text  # a rating's comment
        async with harness.db.session() as s:
            row = await s.get(CafeReport, occ)
        assert row is not None and row.resource_id is None  # no library: nothing filed
    finally:
        await harness.close()
