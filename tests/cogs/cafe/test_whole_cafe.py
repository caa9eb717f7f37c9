"""A whole café, scripted end to end on the console (issue 13): 20 members, a 7-activity
programme prepared in advance, attendance confirmation, the session run live by its host with
presence, a two-question live challenge with a pseudonym, questions from the floor, then the
report (room post, files, library) and the follow-up — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from bot.core import Role
from tests.cogs.cafe.live_setup import THURSDAY, harness_on_monday
from tests.cogs.cafe.test_report import files, first_occurrence, poll_of
from tests.harness import Harness

MEMBERS = [f"m{i:02d}" for i in range(20)]
CREATE = (
    '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
    "timezone:Europe/Paris duration:60 confirm:24h release_unconfirmed:true capacity:18"
)
PROGRAMME = (
    '{occ} quiz "En quelle année le réseau est-il né ?" answer:2022 seconds:27',
    '{occ} single "Votre métier ?" choices:"Théâtre | Lecture | Musique"',
    '{occ} multiple "Quels dispositifs ?" choices:"Région | État | Europe"',
    '{occ} wordcloud "Un mot pour ce café ?"',
    '{occ} board "Vos besoins, vos apports" categories:"Besoins | Apports"',
    '{occ} quiz "Combien de membres ?" answer:840',
    '{occ} rating "Votre note pour ce café ?"',
)


h = harness_on_monday("cafe", "poll", "resource")


async def test_a_whole_cafe_before_during_and_after(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    for name in ("host", *MEMBERS):
        h.adapter.set_roles(name, Role.MEMBER)
    await h.reply("mod", CREATE)
    occ = await first_occurrence(h, "Café TMNlab")
    await h.reply("mod", f'!cafe edit occurrence:{occ} host:host topic:"La rentrée"')

    # Before: the deck, refused activities, registrations and confirmations.
    for line in PROGRAMME:
        added = await h.reply("host", "!cafe programme add " + line.format(occ=occ))
        assert "ajoutée au programme" in added.text, added.text
    bad = await h.reply("host", f'!cafe programme add {occ} quiz "Sans réponse ?"')
    assert "bonne réponse" in bad.text  # refused when added, not in front of the room
    for name in MEMBERS:
        await h.reply(name, f"!cafe join occurrence:{occ}")  # 18 seats, 2 on the waitlist
    h.clock.set(THURSDAY - timedelta(hours=24))
    await h.deliver()
    for name in MEMBERS[:15]:
        await h.reply(name, f"!cafe confirm occurrence:{occ}")
    h.clock.set(THURSDAY - timedelta(hours=2))
    await h.deliver()
    await h.deliver()
    who = await h.reply("mod", f"!cafe who occurrence:{occ}")
    assert "confirm" in who.text and "attente" in who.text, who.text

    # During: start, check-in, seven activities, the challenge, questions from the floor.
    h.clock.set(THURSDAY - timedelta(minutes=5))
    started = await h.reply("host", f"!cafe start occurrence:{occ}")
    assert "lancé" in started.text, started.text
    present = MEMBERS[:16]
    for name in present[:8]:
        await h.reply(name, "!cafe here")
    pseudo = await h.reply("m05", f'!cafe pseudo name:"Lumière 🎭" occurrence:{occ}')
    assert "Lumière" in pseudo.text, pseudo.text
    asked = await h.reply("m01", '!cafe ask "Où trouver les diapos ?"')
    await h.reply("m02", '!cafe ask "Et pour les petites structures ?" anonymous:true')
    await h.reply("m03", "!cafe ask support:2")
    await h.reply("m04", "!cafe ask support:2")
    assert "n° 1" in asked.text or "1" in asked.text
    answers = {
        1: lambda i: f"text:{2022 if i % 3 else 2021}",
        2: lambda i: f"choice:{1 + i % 3}",
        3: lambda i: f'choice:"{1 + i % 3}|{1 + (i + 1) % 3}"',
        4: lambda i: f"text:mot{i % 7}",
        5: lambda i: f'text:"Idée {i}" category:{("Besoins", "Apports")[i % 2]}',
        6: lambda i: "text:840" if i % 2 else "text:800",
        7: lambda i: f'choice:{1 + i % 5} comment:"Merci {i}"',
    }
    for position in range(1, 8):
        moved = await h.reply("host", "!cafe next")
        assert f"Activité {position} / 7 ouverte" in moved.text, moved.text
        poll = await poll_of(h, occ, position)
        for i, name in enumerate(present):
            await h.reply(name, f"!poll vote poll:{poll} {answers[position](i)}")
        await h.settle()
    late = await h.reply("m19", f"!poll vote poll:{await poll_of(h, occ, 1)} text:2022")
    assert "clos" in late.text.lower()  # an answer to a closed activity
    await h.reply("host", "!cafe questions answered:1")
    score = await h.reply("m01", f"!cafe score occurrence:{occ}")
    assert "points" in score.text, score.text
    mark = len(h.adapter.in_room())
    ended = await h.reply("host", "!cafe end")
    assert "terminé" in ended.text, ended.text
    await h.settle()
    await h.settle()
    room = "\n".join(s.text for s in h.adapter.in_room()[mark:])
    assert "Participation : 16 / 16 présents" in room, room[-2000:]
    assert "Lumière 🎭" in room  # the podium shows the pseudonym, not the name

    # After: the report (moderators' version, files), filed in the library; the follow-up.
    report = await h.reply("mod", f"!cafe report occurrence:{occ}")
    got = files(report)
    html = got[f"cafe-{occ}-compte-rendu.html"].decode()
    assert "Questions de la salle" in html and "Où trouver les diapos ?" in html
    assert "m02" not in html.split("Questions de la salle")[1]  # the anonymous asker
    assert "Lumière 🎭" in html
    archive = zipfile.ZipFile(io.BytesIO(got[f"cafe-{occ}-tableaux.zip"]))
    assert {"questions.csv", "classement.csv", "participation.csv"} <= set(archive.namelist())
    assert len([n for n in archive.namelist() if n.startswith("activite-")]) == 7
    library = await h.reply("m05", '!resource find collection:"Café TMNlab"')
    assert "Café TMNlab" in library.text, library.text
    followup = await h.reply(
        "host",
        f'!cafe followup occurrence:{occ} text:"Des suites ?" links:"https://tmnlab.com/replay"',
    )
    assert "16 participants" in followup.text, followup.text
    await h.settle()
    for name in present:
        assert sum("Des suites ?" in d.text for d in h.adapter.dms(name)) == 1, name
    assert not any("Des suites ?" in d.text for d in h.adapter.dms("m19"))
