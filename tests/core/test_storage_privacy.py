"""What the database leaves behind: no SQL parameters in logs (unless echo is asked for), a
private SQLite file, deleted rows overwritten."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.invocation import Invocation
from bot.core.reply import Reply
from bot.storage.db import Database, DatabaseURLError, check_url
from bot.storage.models import Identity, Member
from bot.storage.types import utcnow
from tests.harness import Harness

SECRET = "Chère Zoé, mon vote secret"


class Leaky(Cog, name="leaky"):
    @command("save")
    async def save(self, inv: Invocation, words: Annotated[str, Opt("Du texte")]) -> Reply:
        """Enregistrer un texte (deux fois : la seconde échoue)."""
        async with self.core.db.session() as s:
            for _ in range(2):  # the second row breaks the unique (platform, external_id)
                s.add(
                    Identity(
                        member_id=inv.member_id,
                        platform="x",
                        external_id=words,
                        display_name=words,
                        created_at=utcnow(),
                        last_seen_at=utcnow(),
                    )
                )
                await s.flush()
        return Reply(text="ok")


async def test_a_failing_statement_logs_no_parameters(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.core.add_cog(Leaky(harness.core))
    caplog.set_level(logging.DEBUG)
    reply = await harness.invoke("alice", "leaky save", words=SECRET)
    assert "quelque chose s'est mal passé" in reply.text
    assert "IntegrityError" in caplog.text  # the failure itself is logged…
    assert SECRET not in caplog.text  # …without the member's words
    assert "hide_parameters" in caplog.text


async def _duplicate(db: Database) -> str:
    async with db.session() as s:
        member = Member(display_name="m", created_at=utcnow(), last_seen_at=utcnow())
        s.add(member)
        await s.flush()
        s.add(
            Identity(
                member_id=member.id,
                platform="x",
                external_id=SECRET,
                display_name="a",
                created_at=utcnow(),
                last_seen_at=utcnow(),
            )
        )
        await s.flush()
    with pytest.raises(IntegrityError) as info:
        async with db.session() as s:
            s.add(
                Identity(
                    member_id=member.id,
                    platform="x",
                    external_id=SECRET,
                    display_name="b",
                    created_at=utcnow(),
                    last_seen_at=utcnow(),
                )
            )
            await s.flush()
    return str(info.value)


async def test_parameters_appear_only_when_echo_is_set(db_url: str) -> None:
    quiet = Database(db_url)
    try:
        assert SECRET not in await _duplicate(quiet)
    finally:
        await quiet.dispose()
    loud = Database(db_url, echo=True)
    try:
        async with loud.session() as s:
            await s.exec(text("DELETE FROM core_member"))  # type: ignore[call-overload]
        assert SECRET in await _duplicate(loud)
    finally:
        await loud.dispose()
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)  # echo turned it on


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # a common default: new files readable by everyone
    yield
    os.umask(old)


async def test_new_sqlite_file_and_its_wal_are_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "fresh.db"
    db = Database(f"sqlite:///{path}")
    try:
        async with db.session() as s:
            await s.exec(text("CREATE TABLE t (n INTEGER)"))  # type: ignore[call-overload]
            await s.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]
        for name in ("fresh.db", "fresh.db-wal", "fresh.db-shm"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        await db.dispose()


async def test_existing_readable_file_is_reported_not_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    db = Database(f"sqlite:///{path}")
    await db.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert "can be read by other users" in caplog.text and "chmod 600" in caplog.text


async def test_sqlite_runs_with_secure_delete(harness: Harness, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a SQLite setting")
    async with harness.db.session() as s:
        on = (await s.exec(text("PRAGMA secure_delete"))).one()  # type: ignore[call-overload]
    assert on[0] == 1


def test_urls_are_checked_before_anything_is_created(tmp_path: Path) -> None:
    with pytest.raises(DatabaseURLError, match="unsupported database URL foo://"):
        check_url("foo://bar")
    with pytest.raises(DatabaseURLError, match="does not exist"):
        Database(f"sqlite:///{tmp_path / 'a' / 'b.db'}")
    assert not (tmp_path / "a").exists()
    assert check_url("postgres://u@h/db").startswith("postgresql+asyncpg://")
    assert check_url("sqlite://").startswith("sqlite+aiosqlite://")


async def test_values_the_driver_cannot_encode_are_not_quoted(db_url: str) -> None:
    """asyncpg names the value it could not send ("invalid input for query argument $1:
    1000000…"); nothing in the error chain repeats it."""
    db = Database(db_url)
    try:
        with pytest.raises(Exception) as info:
            async with db.session() as s:
                await s.get(Member, 100000000000000000000)
        chain: list[BaseException] = []
        error: BaseException | None = info.value
        while error is not None and len(chain) < 10:
            chain.append(error)
            error = error.__cause__ or error.__context__
        assert all("100000000000000000000" not in str(e) for e in chain), [str(e) for e in chain]
    finally:
        await db.dispose()
