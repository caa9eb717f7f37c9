"""Long periods as people write them in config: ``12 months``, ``1 an``, ``18 mois``, ``90d``.

Months and years are calendar months (``dateutil.relativedelta``): "12 months" after
29 February is 28 February, never a date that does not exist.
"""

from __future__ import annotations

import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from bot.core import UserError, parse_duration

OFF = {"off", "non", "no", "never", "jamais", "0"}
_PERIOD = re.compile(
    r"^\s*(\d{1,3})\s*(months?|mois|mo|years?|ans?|annees?|années?|y)\s*$", re.IGNORECASE
)


def parse_period(text: str) -> relativedelta | None:
    """A period (None: "off"). Raises ValueError with an example when unreadable."""
    raw = text.strip().lower()
    if raw in OFF:
        return None
    match = _PERIOD.match(raw)
    if match:
        n = int(match.group(1))
        if n == 0:
            return None
        unit = match.group(2)
        return relativedelta(years=n) if unit[0] in "ya" else relativedelta(months=n)
    try:
        delta = parse_duration(raw)
    except UserError:
        raise ValueError(
            f"unreadable period {text!r}: write e.g. '12 months', '1 year', '90d' or 'off'"
        ) from None
    if delta < timedelta(days=1):
        raise ValueError(f"period {text!r} is too short: at least one day")
    return relativedelta(days=delta.days, seconds=delta.seconds)


QUARTER = relativedelta(months=3)
