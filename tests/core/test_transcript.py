"""The bilingual transcript check (issue 15): a scripted session of every command of every cog,
rendered in English (no French word, no French typography) and in French (typography and
plurals). See tests/core/transcript.py for the script and the patterns."""

from __future__ import annotations

from tests.core.transcript import (
    _INVARIABLE,
    FRENCH_SPACING,
    FRENCH_WORDS,
    MISSING_SPACE,
    ONE_PLURAL,
    prose,
    session,
)


def _report(found: list[str]) -> str:
    return f"{len(found)} problem(s):\n" + "\n".join(found[:60])


async def test_english_session_has_no_french(db_url: str) -> None:
    shown = await session(db_url, "en")
    assert len(shown) > 150  # the whole catalogue was exercised
    found = []
    for line in shown:
        text = prose(line)
        for pattern in (FRENCH_WORDS, FRENCH_SPACING):
            if match := pattern.search(text):
                found.append(f"{match.group(0)!r} in {line[:220]!r}")
    assert not found, _report(found)


async def test_french_session_has_typography_and_plurals(db_url: str) -> None:
    shown = await session(db_url, "fr")
    assert len(shown) > 150
    found = []
    for line in shown:
        text = prose(line)
        if match := MISSING_SPACE.search(text):
            found.append(f"typography {match.group(0)!r} in {line[:220]!r}")
        for match in ONE_PLURAL.finditer(text):
            if match.group(1) not in _INVARIABLE:
                found.append(f"plural {match.group(0)!r} in {line[:220]!r}")
    assert not found, _report(found)


async def test_room_posts_speak_the_room_members_their_own(db_url: str) -> None:
    """French members in a room set to English: everything the room reads (replies that are
    not private, posts, live results and their edits) is English; their private replies and
    DMs stay French."""
    shown = await session(db_url, "fr", room_lang="en")
    public = [line for line in shown if line.startswith(("[room", "[edit"))]
    private = [line for line in shown if line.startswith(("[private", "[dm"))]
    assert len(public) > 30 and len(private) > 100
    found = []
    for line in public:
        text = prose(line)
        for pattern in (FRENCH_WORDS, FRENCH_SPACING):
            if match := pattern.search(text):
                found.append(f"{match.group(0)!r} in {line[:220]!r}")
    assert not found, _report(found)
    french = [line for line in private if FRENCH_WORDS.search(prose(line))]
    assert len(french) > len(private) * 0.6, "private replies must stay in French"
