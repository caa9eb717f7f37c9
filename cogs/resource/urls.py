"""URL checks and normalisation: one shared resource per page, whatever the link's spelling."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.core import UserError

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only track who clicked where (utm_* is handled by prefix).
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "xtor",
        "at_medium",
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_")


# A host whose last label is a number is an IPv4 address to browsers and to inet_aton, whatever
# its spelling: 0177.0.0.1 (octal), 0x7f.1, 127.1, 2130706433 all mean 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*", re.IGNORECASE)


def ascii_host(host: str) -> str | None:
    """The host as the network sees it: IDNA ASCII form (UTS #46 mapping, as aiohttp/yarl
    connect: full-width digits, ideographic full stops and compatibility characters folded),
    lower case, no trailing dot. None when it cannot be encoded at all."""
    host = host.strip("[]").lower()
    if ":" in host:  # an IPv6 literal: nothing to encode
        return host
    try:
        import idna

        encoded = idna.encode(host, uts46=True).decode("ascii")
    except (ImportError, UnicodeError, ValueError):
        try:  # IDNA 2003 (the standard library), laxer: accepts "_" in names
            encoded = host.encode("idna").decode("ascii")
        except UnicodeError:
            if not host.isascii():
                return None
            encoded = host
    return encoded.lower().rstrip(".")


def numeric_looking(host: str) -> bool:
    """True when browsers and resolvers would read ``host`` (ASCII) as an IPv4 number."""
    labels = host.rstrip(".").split(".")
    return bool(labels) and _NUMERIC_LABEL.fullmatch(labels[-1]) is not None


def canonical_ipv4(host: str) -> bool:
    """True for the one unambiguous spelling: four decimal numbers 0–255, no leading zeros."""
    try:
        return str(ipaddress.IPv4Address(host)) == host
    except ValueError:
        return False


def odd_ip_spelling(host: str, network: str) -> bool:
    """True when ``host`` (as typed; ``network`` is its ASCII form) reads as an IPv4 address
    but is not written as the plain dotted quad: octal, hex, short or full-width forms."""
    if ":" in network or not numeric_looking(network):  # IPv6 literals have one spelling
        return False
    return not canonical_ipv4(network) or host.lower().rstrip(".") != network


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def address_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses
    (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry)."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def host_is_local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def check_url(url: str, *, allow_private: bool = False) -> str:
    """Return the trimmed URL, or raise UserError when it cannot be shared."""
    url = url.strip().strip("<>")
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or not parts.scheme:
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise UserError(
            "Seuls les liens http:// et https:// peuvent être partagés (pas « {scheme}: »).",
            scheme=parts.scheme[:20],
        )
    if "@" in parts.netloc:
        # user:password@host: a secret in a public library, and a classic way to dress a link
        # up as another site (https://trusted.example@evil.example/).
        raise UserError(
            "Ce lien contient un identifiant ou un mot de passe (la partie avant « @ ») : "
            "je ne le partage pas. Retirez-la et partagez l'adresse seule."
        )
    host = parts.hostname or ""
    if not host or (port is not None and not 0 < port < 65536):
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    network = check_host(host, allow_private=allow_private)
    if parse_ip(network) is None and "." not in network and not allow_private:
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    return url


def check_host(host: str, *, allow_private: bool = False) -> str:
    """Return the host's ASCII form, or raise UserError when it cannot be shared. The form
    checked is the one the network uses (after IDNA), so that full-width digits or odd number
    spellings cannot slip a private address past the check."""
    network = ascii_host(host)
    if not network or (parse_ip(network) is None and ".." in network):
        raise UserError(
            "« {host} » n'est pas un nom de site valable. Vérifiez le lien.", host=host[:80]
        )
    ip = parse_ip(network)
    if odd_ip_spelling(host, network):
        raise UserError(
            "« {host} » est une adresse IP écrite de façon inhabituelle : je ne la partage pas. "
            "Donnez le nom du site (par exemple https://exemple.org/).",
            host=host[:80],
        )
    if not allow_private and (
        (ip is not None and not address_is_public(ip)) or host_is_local_name(network)
    ):
        raise UserError(
            "« {host} » est une adresse privée ou locale : elle n'est pas accessible aux autres "
            "membres et je ne m'y connecte pas. Partagez une adresse publique.",
            host=host[:80],
        )
    return network


def normalise_url(url: str) -> str:
    """The dedupe key: lower-case scheme and host, no default port, no fragment, no tracking
    parameters, remaining parameters sorted, no trailing slash on the path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    while path.endswith("/") and path != "/":
        path = path[:-1]
    if path == "/":
        path = ""
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def strip_tracking(url: str) -> str:
    """The link as shared, minus its tracking parameters (kept otherwise as typed)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
