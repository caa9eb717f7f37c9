"""The environment of a ``passerelle`` subprocess started by a test: none of the developer's
``PASSERELLE_*`` settings, and the web side on a free port — the default port 8470 is taken as
soon as two such processes run at once (parallel workers), and the second then logs an error
that tests reading its output take for a failure."""

from __future__ import annotations

import os


def passerelle_env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    return {**clean, "PASSERELLE_WEB__PORT": "0", **extra}
