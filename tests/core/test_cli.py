"""The command line, run as real processes: clear one-line errors and exit 1, never a
traceback; ``db backup`` makes a consistent, private copy (with the ballot secret beside it)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.subprocess_env import passerelle_env

ROOT = Path(__file__).resolve().parents[2]


def passerelle(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = passerelle_env()
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_unsupported_database_url_is_one_clear_line(tmp_path: Path) -> None:
    for url in ("foo://bar", "mysql://u@h/db", "not a url"):
        result = passerelle(tmp_path, "db", "upgrade", "--db", url)
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr
        assert "sqlite:///" in result.stderr and "postgresql://" in result.stderr
    assert (
        "unsupported database URL foo://"
        in passerelle(tmp_path, "console", "--db", "foo://bar").stderr
    )


def test_password_is_never_echoed_in_url_errors(tmp_path: Path) -> None:
    result = passerelle(tmp_path, "db", "upgrade", "--db", "mysql://u:hunter2@h/db")
    assert result.returncode == 1 and "hunter2" not in result.stderr


def test_sqlite_in_a_missing_folder_is_refused_and_no_folder_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    for command in (["db", "upgrade"], ["console"], ["db", "backup", "b.db"]):
        result = passerelle(tmp_path, *command, "--db", f"sqlite:///{missing / 'x.db'}")
        assert result.returncode == 1, result
        assert f"the folder {missing} of the SQLite database does not exist" in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "no").exists()


def test_config_check_names_an_unsupported_database_url(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "foo://bar"\n')
    result = passerelle(tmp_path, "config", "check", str(config))
    assert result.returncode == 1
    assert "database.url" in result.stdout and "unsupported database URL" in result.stdout


def test_unexpected_errors_are_one_line_and_details_only_with_v(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("this is not a database at all, but a text file\n" * 20)
    result = passerelle(tmp_path, "db", "upgrade", "--db", f"sqlite:///{bad}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: DatabaseError: file is not a database" in result.stderr
    assert "-v" in result.stderr
    verbose = passerelle(tmp_path, "-v", "db", "upgrade", "--db", f"sqlite:///{bad}")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


def test_new_sqlite_database_file_is_private(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    result = passerelle(tmp_path, "db", "upgrade", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    assert mode(db) == 0o600


def test_backup_is_consistent_private_and_carries_the_secret(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    assert passerelle(tmp_path, "db", "upgrade", "--db", f"sqlite:///{live}").returncode == 0
    with sqlite3.connect(live) as conn:
        conn.execute(
            "INSERT INTO core_member (display_name, created_at, last_seen_at) "
            "VALUES ('Alice', '2027-01-01 00:00:00', '2027-01-01 00:00:00')"
        )
    secret = tmp_path / "poll-ballot.secret"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    os.chmod(secret, 0o600)
    result = passerelle(tmp_path, "db", "backup", "backups.db", "--db", f"sqlite:///{live}")
    assert result.returncode == 0, result.stderr
    copy, secret_copy = tmp_path / "backups.db", tmp_path / "backups.db.secret"
    assert mode(copy) == 0o600 and mode(secret_copy) == 0o600
    assert secret_copy.read_text() == secret.read_text()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT display_name FROM core_member").fetchall() == [("Alice",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    # Never overwrites: a second backup to the same name is refused, the first one intact.
    again = passerelle(tmp_path, "db", "backup", "backups.db", "--db", f"sqlite:///{live}")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    assert copy.stat().st_size > 0
    # A database that does not exist is not created by a backup.
    none = passerelle(tmp_path, "db", "backup", "n.db", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert none.returncode == 1 and "there is no database" in none.stderr
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "n.db").exists()


def test_backup_of_a_database_in_use_while_it_is_written(tmp_path: Path) -> None:
    """The copy is a snapshot even while another connection writes (WAL, like the bot)."""
    live = tmp_path / "busy.db"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (n INTEGER)")
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    writer.execute("COMMIT")
    writer.execute("BEGIN")
    writer.execute("INSERT INTO t VALUES (-1)")  # uncommitted: not in the copy
    try:
        result = passerelle(tmp_path, "db", "backup", "copy.db", "--db", f"sqlite:///{live}")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT count(*), min(n) FROM t").fetchone() == (1000, 0)


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    result = passerelle(
        tmp_path, "db", "backup", "x.dump", "--db", "postgresql://u:hunter2@127.0.0.1/db"
    )
    assert result.returncode == 1
    assert "pg_dump" in result.stderr and "pg_restore" in result.stderr
    assert "hunter2" not in result.stderr and not (tmp_path / "x.dump").exists()


def test_backup_with_the_secret_in_the_environment_copies_no_secret(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    assert passerelle(tmp_path, "db", "upgrade", "--db", f"sqlite:///{live}").returncode == 0
    (tmp_path / "poll-ballot.secret").write_text("0123456789abcdef0123456789abcdef\n")
    result = passerelle(
        tmp_path,
        "db",
        "backup",
        "b.db",
        "--db",
        f"sqlite:///{live}",
        env={"PASSERELLE_COGS__POLL__BALLOT_SECRET": "from-the-environment-0123"},
    )
    assert result.returncode == 0, result.stderr
    assert "environment" in result.stdout
    assert not (tmp_path / "b.db.secret").exists()


def test_cog_commands_are_contributed_with_their_usage(tmp_path: Path) -> None:
    """`resources` comes from cogs/resource/cli.py; bot/cli.py finds it by name."""
    top = passerelle(tmp_path, "--help")
    assert top.returncode == 0
    assert "resources" in top.stdout and "move a resource library in or out" in top.stdout
    group = passerelle(tmp_path, "resources")
    assert group.returncode == 0, group.stderr
    assert "usage: passerelle resources [-h] ACTION" in group.stdout
    assert "import resources from FILE.csv or FILE.json" in group.stdout
    usage = passerelle(tmp_path, "resources", "export", "--help")
    assert "usage: passerelle resources export" in usage.stdout
    assert "--no-progress" in usage.stdout and "--db URL" in usage.stdout


def test_cog_command_refuses_an_out_of_date_schema_without_auto_migrate(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = passerelle(
        tmp_path,
        "resources",
        "export",
        str(target),
        "--db",
        f"sqlite:///{tmp_path / 'empty.db'}",
        env={"PASSERELLE_DATABASE__AUTO_MIGRATE": "false"},
    )
    assert result.returncode == 1, result.stderr
    assert "run `passerelle db upgrade` first" in result.stdout
    assert not target.exists()
