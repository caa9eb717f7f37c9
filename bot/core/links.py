"""Links in chat text: found in room messages (``LinksShared``) and checked when given."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.core.errors import UserError

#: An http(s) address up to the first space or closing bracket; trailing punctuation of the
#: sentence (``.``, ``,``, ``)``…) is not part of it.
_LINK = re.compile(r"https?://[^\s<>\"'«»()\[\]{}]+", re.IGNORECASE)
_TRAILING = ".,;:!?…"
MAX_LINKS = 10  # per message: a pasted list is not a reason to store hundreds of rows
MAX_LENGTH = 2000


def find_links(text: str) -> list[str]:
    """The distinct http(s) links of a message, in order."""
    found: list[str] = []
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if len(url) <= MAX_LENGTH and _has_host(url) and url not in found:
            found.append(url)
        if len(found) >= MAX_LINKS:
            break
    return found


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def check_link(url: str) -> str:
    """A link someone gave (trimmed); UserError saying what to give instead."""
    url = url.strip().strip("<>")
    if not url.lower().startswith(("http://", "https://")) or not _has_host(url):
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    if len(url) > MAX_LENGTH or any(c.isspace() for c in url):
        raise UserError("Ce lien est trop long ou contient des espaces : vérifiez-le.")
    return url
