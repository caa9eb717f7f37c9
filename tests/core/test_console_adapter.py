"""The console adapter in-process: files written to a folder, numbered actions runnable."""

from __future__ import annotations

import io
from typing import Annotated

from bot.adapters.console import ConsoleAdapter
from bot.app import build_core
from bot.config import load_settings
from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.invocation import Invocation
from bot.core.reply import Action, Attachment, Reply
from bot.scheduling import FakeClock
from bot.storage.db import Database


class Demo(Cog, name="demo"):
    @command("picture")
    async def picture(self, inv: Invocation) -> Reply:
        """Envoyer une image."""
        return Reply(
            text="voici",
            attachments=[Attachment("résultats 1.png", b"\x89PNG fake", "image/png")],
            actions=[
                Action.invoke("demo echo", label="Répéter", word="encore"),
                Action.invoke("demo echo", label="Dire autre chose", prompt="word"),
            ],
        )

    @command("echo")
    async def echo(self, inv: Invocation, word: Annotated[str, Opt("Un mot")]) -> Reply:
        """Répéter un mot."""
        return Reply(text=f"écho : {word}")


async def test_files_and_numbered_actions(db_url: str, tmp_path) -> None:
    settings = load_settings(None)
    settings.console.files_dir = str(tmp_path / "files")
    db = Database(db_url)
    out = io.StringIO()
    console = ConsoleAdapter(settings.console, stdin=io.StringIO(""), stdout=out)
    core = build_core(settings, db, FakeClock(), cogs=[Demo], adapters=[console])
    await console.start(core)
    await console.finished.wait()
    try:
        await console.handle_line("!demo picture")
        text = out.getvalue()
        assert "[1] Répéter → !demo echo word:encore" in text
        assert "[2] Dire autre chose → !demo echo word:…" in text
        saved = list((tmp_path / "files").iterdir())
        assert [p.read_bytes() for p in saved] == [b"\x89PNG fake"]
        assert f"📎 {saved[0]}" in text
        await console.handle_line("1")
        assert "écho : encore" in out.getvalue()
        await console.handle_line("2 bonjour")
        assert "écho : bonjour" in out.getvalue()
        await console.handle_line("7")
        assert "Pas d'action n° 7" in out.getvalue()
    finally:
        await core.stop()
        await db.dispose()


def test_names_with_spaces_in_quotes() -> None:
    from bot.adapters.console import member_name

    assert member_name('"Zoé Martin"') == "Zoé Martin"
    assert member_name("« Zoé  Martin »") == "Zoé Martin"
    assert member_name("'Zoé Martin' extra") == "Zoé Martin"
    assert member_name("bob") == "bob"
    assert member_name("bob and more") == "bob"
    assert member_name('"unclosed name') == '"unclosed'


async def test_as_a_member_whose_name_has_spaces(db_url: str) -> None:
    settings = load_settings(None)
    out = io.StringIO()
    console = ConsoleAdapter(settings.console, stdin=io.StringIO(""), stdout=out)
    core = build_core(settings, Database(db_url), FakeClock(), cogs=[Demo], adapters=[console])
    await console.start(core)
    await console.finished.wait()
    try:
        await console.handle_line(':as "Zoé Martin"')
        assert console.current == "Zoé Martin"
        assert "Vous êtes maintenant Zoé Martin." in out.getvalue()
        await console.handle_line("!demo echo salut")
        assert "écho : salut" in out.getvalue()
    finally:
        await core.stop()
