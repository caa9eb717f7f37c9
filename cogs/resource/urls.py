"""URL checks and normalisation: one shared resource per page, whatever the link's spelling."""

from __future__ import annotations

import ipaddress
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
    host = parts.hostname or ""
    if not host or (port is not None and not 0 < port < 65536):
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    ip = parse_ip(host)
    if not allow_private and (
        (ip is not None and not address_is_public(ip)) or host_is_local_name(host)
    ):
        raise UserError(
            "« {host} » est une adresse privée ou locale : elle n'est pas accessible aux autres "
            "membres et je ne m'y connecte pas. Partagez une adresse publique.",
            host=host[:80],
        )
    if ip is None and "." not in host and not allow_private:
        raise UserError(
            "« {url} » n'est pas une adresse web. Donnez un lien complet, "
            "par exemple https://exemple.org/article.",
            url=url[:80],
        )
    return url


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
