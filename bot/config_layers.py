"""The layers of the configuration before validation: ``PASSERELLE_*`` environment variables
turned into nested sections, and the deep merge that puts file, environment and overrides
together (``bot.config.load_settings``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

ENV_PREFIX = "PASSERELLE_"


def _env_value(raw: str) -> Any:
    # Lists and tables come as JSON (PASSERELLE_MATRIX__ROOMS='["!a:example.org"]'); every
    # other value stays text and pydantic converts it (numbers, booleans, durations).
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def environment_layer(environ: Mapping[str, str], sections: set[str]) -> dict[str, Any]:
    """``PASSERELLE_DISCORD__TOKEN=x`` → ``{"discord": {"token": "x"}}``, for the known
    sections only (``PASSERELLE_CONFIG`` and the like are not settings). Keys are
    case-insensitive; a misspelt key inside a section is reported like one in the file."""
    layer: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if path[0] not in sections or not all(path):
            continue
        node = layer
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = _env_value(raw)
    return layer


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
