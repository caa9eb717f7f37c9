"""Async SQLModel storage: engine and sessions, core tables, migrations, model discovery."""
