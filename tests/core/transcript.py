"""A scripted console session of every command of every cog, and the checks run on what it
renders: English without French leftovers, French with its typography and plurals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.config import load_settings
from bot.core import Role
from bot.core.reply import Reply
from bot.scheduling import FakeClock
from cogs.resource.preview import Preview
from tests.harness import Harness, make_harness

COGS = ["poll", "cafe", "resource", "onboarding"]
MEMBERS = ("mod", "alice", "bob")
SECRET = "transcript-secret-0123456789abcdef"
URL = "https://guide.example.org/mediation"


class _Pages:
    async def fetch(self, url: str) -> Preview:
        return Preview("Mediation guide", "How to welcome people.", url)


async def session(db_url: str, lang: str, room_lang: str | None = None) -> list[str]:
    """Every text the bot shows in a session where every member speaks ``lang`` and the room
    ``room_lang`` (by default ``lang`` too): replies, room posts, DMs, reminders, live
    results. Each line starts with where it was shown: ``who> command`` for a reply, then
    ``[room …]``, ``[edit …]``, ``[private …]`` or ``[dm …]`` for everything sent."""
    settings = load_settings(None, cogs={"poll": {"ballot_secret": SECRET}})
    h = await make_harness(
        db_url,
        cogs=COGS,
        settings=settings,
        clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
        typography=True,
    )
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    h.core.cogs["resource"].service.fetcher = _Pages()  # type: ignore[attr-defined]
    shown: list[str] = []
    try:
        for name in MEMBERS:
            await h.say(name, f"!language {lang}")
        await h.say("mod", f"!room locale {room_lang or lang}")
        for line in _script(h):
            who, text = line
            reply = await h.say(who, text)
            if reply is not None:
                shown += _texts(reply, f"{who}> {text}")
        for _ in range(24):  # three days, within the outbox's grace window each step
            h.clock.advance(timedelta(hours=3))
            await h.settle()
        # The café has begun (Thursday 10:00 in Paris): check in, let it end, then the figures
        # with counts of one ("1 présent", "1 inscription").
        for who, text in _AFTER:
            if text == "wait":
                h.clock.advance(timedelta(hours=2))
                await h.settle()
            elif reply := await h.say(who, text):
                shown += _texts(reply, f"{who}> {text}")
        for sent in h.adapter.sent:
            shown += _texts(sent.reply, f"[{sent.kind} {sent.key or ''}]")
    finally:
        await h.close()
    return shown


def _script(h: Harness) -> list[tuple[str, str]]:
    lines = [
        (
            "mod",
            '!cafe create title:"Morning coffee" schedule:"weekly thursday 10:00" '
            'timezone:Europe/Paris duration:60 capacity:2 reminders:"24h,15m"',
        ),
        ("mod", "!cafe list"),
        ("alice", "!cafe join"),
        ("bob", "!cafe join"),
        ("mod", "!cafe join"),
        ("alice", "!cafe info"),
        ("mod", "!cafe who"),
        ("mod", "!cafe stats"),
        ("alice", '!poll create "Best day" choices:"Monday | Tuesday"'),
        ("bob", "!poll vote 1 choice:Monday"),
        ("alice", "!poll vote 1 choice:Tuesday"),
        ("alice", "!poll results 1"),
        ("alice", "!poll list"),
        ("mod", "!poll close 1"),
        ("alice", f'!resource add {URL} title:"Mediation guide" summary:"How to welcome"'),
        ("alice", "!resource list"),
        ("alice", "!resource find guide"),
        ("alice", "!resource tags"),
        ("alice", "!me profile"),
        ("alice", "!timezone Europe/Paris"),
        ("bob", "!onboarding start"),
        ("mod", "!onboarding status"),
        ("alice", "!help"),
        # The café's programme, run live on Thursday (see _AFTER).
        ("mod", '!cafe programme add 1 single "Best moment" choices:"Morning | Evening"'),
        ("mod", '!cafe programme add 1 quiz "Capital of France" answer:Paris seconds:20'),
        ("mod", "!cafe programme show 1"),
        # Needs and offers, matches and introductions; a member's own settings.
        ("alice", '!me edit field:needs value:"funding"'),
        ("alice", "!me edit field:directory value:visible"),
        ("bob", '!me edit field:offers value:"funding"'),
        ("bob", "!me edit field:directory value:visible"),
        ("alice", "!members match"),
        ("alice", "!members introduce name:bob"),
        ("alice", "!me uptodate"),
        ("alice", "!me reports enabled:false"),
        ("alice", "!me calendar"),
        ("mod", "!dashboard"),
    ]
    specs = list(h.core.catalogue)
    lines += [("mod", f"!help {spec.path}") for spec in specs]
    # Every command once without its options: the usage and error messages too.
    lines += [("mod", f"!{spec.path}") for spec in specs if spec.path not in _NOT_BARE]
    return lines


_AFTER = [
    ("mod", "!cafe start occurrence:1"),
    ("alice", "!cafe here"),
    ("bob", "!cafe here"),
    ("alice", "!cafe pseudo name:Fox occurrence:1"),
    ("bob", '!cafe ask "Where are the slides"'),
    ("alice", "!cafe ask support:1"),
    ("mod", "!cafe questions"),
    ("mod", "!cafe next"),  # opens the single-choice poll (poll 2)
    ("alice", "!poll vote 2 choice:Morning"),
    ("bob", "!poll vote 2 choice:Evening"),
    ("mod", "!cafe next"),  # its results, then the quiz (poll 3)
    ("alice", "!poll vote 3 text:Paris"),
    ("bob", "!poll vote 3 text:Lyon"),
    ("mod", "!cafe next"),  # the quiz's results and the leaderboard
    ("alice", "!cafe score"),
    ("mod", "!cafe questions answered:1"),
    ("mod", "!cafe end"),  # the podium
    ("wait", "wait"),
    ("mod", "!cafe stats"),
    ("mod", "!cafe who 1"),
    ("alice", "!cafe list"),
    ("mod", "!cafe report occurrence:1"),
    ("mod", '!cafe followup occurrence:1 text:"Thanks for coming" links:"https://example.org/r"'),
]

# Bare, these would end the session (forget the member) or change its language.
_NOT_BARE = {"me forget", "language", "me language", "room locale"}


def _texts(reply: Reply, where: str) -> list[str]:
    parts = [reply.title or "", reply.text or ""]
    parts += reply.field_lines()  # "Quand\u202f: jeudi" / "When: Thursday"
    parts += [a.label for a in reply.actions]
    return [f"{where} :: {p}" for p in parts if p]


_CODE = re.compile(r"```.*?```|`[^`\n]*`|https?://\S+|<[^<>\s]+>", re.DOTALL)


def prose(text: str) -> str:
    """The text without code spans, URLs and the scripted line (those are not prose)."""
    return _CODE.sub("CODE", text.split(" :: ", 1)[1])


FRENCH_WORDS = re.compile(
    r"n°|\b(inscrits?|présents?|jeudi|lundi|janvier|février|sondage|résultats?|"
    r"vous|votre|vos|aucun|tapez|modérateurs?|membres?|les|des|une|est|pas|avec|pour|dans|"
    r"à|ou|et|le|la|du|au|aux|choisir|voir|réponse|heure|demain)\b|\d %",
    re.IGNORECASE,
)
FRENCH_SPACING = re.compile(r"[ \u00a0\u202f][:;!?](?=\s|$)|\u202f|«|»")
MISSING_SPACE = re.compile(r"(?<=[\w*)])[:;!?](?=\s|$)|« |«(?!\u202f)| »")
ONE_PLURAL = re.compile(r"(?<![\d,.])\b1 ((?:[a-zéèêàç]+)(?:s|x))\b")
_INVARIABLE = {"sur", "fois", "dans", "sans", "plus", "pas", "après", "très"}
