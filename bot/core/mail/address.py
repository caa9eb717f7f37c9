"""What counts as an e-mail address here: one mailbox, ``local@domain.tld``, nothing else.

Stricter than RFC 5321 on purpose (no quoted local parts, no IP literals, no comments): an
address the member typed on chat is far likelier mistyped than exotic, and a refused send is
found out only later. The domain is lower-cased (it is case-insensitive); the local part kept.
"""

from __future__ import annotations

import re

from bot.core.errors import UserError

MAX_LENGTH = 254  # RFC 5321's limit on a forward path
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_address(raw: str) -> str:
    """The address, tidied (spaces and ``mailto:`` dropped, domain lower-cased); raises a
    ``UserError`` saying what to type instead when it is not one."""
    text = raw.strip().removeprefix("mailto:").strip("<>").strip()
    example = "prenom.nom@exemple.org"
    if not text:
        raise UserError("Donnez une adresse e-mail, par exemple {example}.", example=example)
    if len(text) > MAX_LENGTH or text.count("@") != 1:
        raise UserError(
            "« {address} » n'est pas une adresse e-mail. Exemple : {example}.",
            address=text[:80],
            example=example,
        )
    local, domain = text.split("@")
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_domain = ""
    if (
        not local
        or len(local) > 64
        or not _LOCAL.match(local)
        or len(labels) < 2
        or not ascii_domain
        or not all(_LABEL.match(label) for label in ascii_domain.split("."))
        or ascii_domain.rsplit(".", 1)[-1].isdigit()
    ):
        raise UserError(
            "« {address} » n'est pas une adresse e-mail. Exemple : {example}.",
            address=text[:80],
            example=example,
        )
    return f"{local}@{domain}"
