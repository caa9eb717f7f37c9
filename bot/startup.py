"""A ``passerelle`` process starts with the cyclic garbage collector paused.

Starting imports discord.py or matrix-nio, SQLAlchemy, pydantic and the cogs' ~40 tables: a few
hundred thousand objects that live as long as the process. With the collector on, each
thousand new objects triggered a collection and the older generations were walked again and
again — a third of the start went to scanning objects that were never garbage (measured: the
imports of `passerelle run` took 1.04–1.10 s with it, 0.75–0.79 s without).

So the entry point (``bot.__main__``) calls :func:`pause` before importing anything, and
:func:`settled` — called once the bot is ready (or, for a one-shot command, before its action
runs) — moves everything alive into the permanent generation (``gc.freeze``: never scanned
again) and turns the collector back on for what the running bot allocates. Where the collector
was not paused (tests, a program embedding Passerelle) :func:`settled` does nothing.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def settled() -> None:
    """Start-up is over: freeze what it built, and collect from here on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
