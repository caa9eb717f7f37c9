"""Safe link preview: read a page's title and description without becoming an SSRF tool.

- http/https only; the URL's literal IP, and every address its name resolves to, must be public
  (aiohttp skips its resolver for literal IPs, so we check the host ourselves);
- the connection goes to the addresses we checked (a pinned resolver: no second lookup that a
  rebinding DNS could answer differently);
- redirects are followed by hand, at most 3, each hop checked again;
- 5 s in total (parsing included), at most 1 MB read, HTML only;
- the page is decoded only with an allow-list of charsets (a page declaring ``punycode``, whose
  decoder is quadratic, once froze the bot for 107 s) and parsed in a small thread pool of its
  own, off the event loop: a slow page costs a preview, never the bot's responsiveness.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlsplit

from bot.core import N_

from .urls import DEFAULT_PORTS, address_is_public, ascii_host, odd_ip_spelling, parse_ip

if TYPE_CHECKING:
    from aiohttp.abc import AbstractResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
AddressPolicy = Callable[[IPAddress], bool]

HTML_TYPES = ("text/html", "application/xhtml+xml")

# Codecs a page may ask for (names as codecs.lookup() spells them): all decode in linear time,
# in C. Anything else — punycode (quadratic), idna, rot13, unicode_escape, utf-7, compression
# codecs… — is read as UTF-8 with replacement characters.
ALLOWED_CODECS = frozenset(
    {
        "utf-8",
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "ascii",
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
        *(f"cp{n}" for n in range(1250, 1259)),
        "cp874",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "shift_jis",
        "euc_jp",
        "iso2022_jp",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "euc_kr",
    }
)
# As browsers do (WHATWG Encoding): latin-1 and ASCII labels mean windows-1252, a superset.
_WEB_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.I
)
# Page parsing runs here, not in the default executor that also resolves host names: a few
# slow pages can queue behind each other without delaying anything else.
_PARSE_WORKERS = 2
_parse_pool: ThreadPoolExecutor | None = None


def _parser_pool() -> ThreadPoolExecutor:
    global _parse_pool
    if _parse_pool is None:
        _parse_pool = ThreadPoolExecutor(_PARSE_WORKERS, thread_name_prefix="link-preview")
    return _parse_pool


def allowed_codec(label: str | None) -> str | None:
    """The codec for a declared charset label, or None when it is not on the allow-list."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    if name not in ALLOWED_CODECS:
        return None
    return _WEB_ALIASES.get(name, name)


def choose_codec(body: bytes, declared: str | None) -> str:
    """Byte order mark first, then the Content-Type charset, then a <meta> charset near the
    top of the page; the first allowed one wins, UTF-8 otherwise."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    codec = allowed_codec(declared)
    if codec is not None:
        return codec
    meta = _META_CHARSET.search(body[:4096])
    codec = allowed_codec(meta.group(1).decode("ascii")) if meta else None
    if codec is None or codec.startswith(("utf-16", "utf-32")):
        # A <meta> that could be read as ASCII bytes cannot be UTF-16/32 (browsers agree).
        return "utf-8"
    return codec


@dataclass(frozen=True, slots=True)
class Preview:
    title: str | None
    description: str | None
    final_url: str


class PreviewError(Exception):
    """Why no preview: a French msgid (shown translated to the member) and its params."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class PreviewFetcher:
    """``fetch(url)`` → Preview, or PreviewError. Tests pass ``allow_private=True`` (or their
    own ``policy``/``resolve``) to read from a local server."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = 5.0,
        max_bytes: int = 1_000_000,
        max_redirects: int = 3,
        resolve: Resolver | None = None,
        policy: AddressPolicy | None = None,
        user_agent: str = "Passerelle link preview",
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.resolve = resolve or system_resolve
        self.policy = policy or ((lambda ip: True) if allow_private else address_is_public)
        self.user_agent = user_agent

    async def fetch(self, url: str) -> Preview:
        try:
            return await asyncio.wait_for(self._fetch(url), self.timeout)
        except TimeoutError:
            raise PreviewError(
                N_("la page n'a pas répondu à temps ({seconds} s)"), seconds=int(self.timeout)
            ) from None

    async def _fetch(self, url: str) -> Preview:
        import aiohttp

        for _hop in range(self.max_redirects + 1):
            host, _port, addresses = await self.check(url)
            connector = aiohttp.TCPConnector(
                # Duck-typed, not a subclass: aiohttp is imported only when a page is read.
                resolver=cast("AbstractResolver", _PinnedResolver(host, addresses)),
                use_dns_cache=False,
                force_close=True,
            )
            async with (
                aiohttp.ClientSession(
                    connector=connector, headers={"User-Agent": self.user_agent}
                ) as session,
                session.get(url, allow_redirects=False) as response,
            ):
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise PreviewError(N_("la page redirige sans dire où"))
                    url = urljoin(url, location)
                    continue
                if response.status >= 400:
                    raise PreviewError(
                        N_("la page a répondu par une erreur ({status})"), status=response.status
                    )
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                if content_type.lower() not in HTML_TYPES:
                    raise PreviewError(
                        N_("ce n'est pas une page web mais un fichier ({type})"),
                        type=content_type or "?",
                    )
                body = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    body.extend(chunk)
                    if len(body) >= self.max_bytes:
                        del body[self.max_bytes :]
                        break
                charset = response.charset
            # Decoding and parsing off the event loop; the whole fetch's timeout bounds it.
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                _parser_pool(), parse_preview, bytes(body), charset, url
            )
        raise PreviewError(N_("la page redirige plus de {max} fois"), max=self.max_redirects)

    async def check(self, url: str) -> tuple[str, int, list[str]]:
        """Refuse a URL before any connection; return its host, port and checked addresses."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname or ""
            port = parts.port or DEFAULT_PORTS.get(scheme, 0)
        except ValueError:
            raise PreviewError(N_("l'adresse de la page est mal formée")) from None
        if scheme not in DEFAULT_PORTS:
            raise PreviewError(N_("seuls les liens http et https sont lus"))
        if "@" in parts.netloc:
            raise PreviewError(N_("l'adresse contient un identifiant ou un mot de passe"))
        # The name as the network sees it (IDNA): what is checked is what is connected to.
        network = ascii_host(host) if host else None
        if not network:
            raise PreviewError(N_("l'adresse de la page est mal formée"))
        if odd_ip_spelling(host, network):
            raise PreviewError(
                N_(
                    "« {host} » est une adresse IP écrite de façon inhabituelle, que je ne lis pas"
                ),
                host=host,
            )
        literal = parse_ip(network)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await self.resolve(network, port)
            except (OSError, UnicodeError):
                raise PreviewError(N_("le nom « {host} » est introuvable"), host=host) from None
            if not addresses:
                raise PreviewError(N_("le nom « {host} » est introuvable"), host=host)
        for address in addresses:
            ip = parse_ip(address)
            if ip is None or not self.policy(ip):
                raise PreviewError(
                    N_("« {host} » mène à une adresse privée ou locale, que je ne lis pas"),
                    host=host,
                )
        return network, port, addresses


class _PinnedResolver:
    """An aiohttp resolver that answers only with the addresses we already checked."""

    def __init__(self, host: str, addresses: list[str]) -> None:
        self.host = host
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: int = socket.AF_INET
    ) -> list[dict[str, Any]]:
        if host != self.host:
            raise OSError(f"unexpected host {host!r}")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.addresses
        ]

    async def close(self) -> None:
        return None


def parse_preview(body: bytes, charset: str | None, url: str) -> Preview:
    """Title and description of a page (``charset``: as declared by the server, if at all).
    Blocking: called in the parse pool."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    text = body.decode(choose_codec(body, charset), errors="replace")
    tree = HTMLParser(text)

    def meta(*selectors: str) -> str | None:
        for selector in selectors:
            node = tree.css_first(selector)
            if node is not None:
                value = (node.attributes.get("content") or "").strip()
                if value:
                    return " ".join(value.split())
        return None

    title = meta('meta[property="og:title"]', 'meta[name="twitter:title"]')
    if title is None:
        node = tree.css_first("title")
        if node is not None:
            title = " ".join(node.text().split()) or None
    description = meta(
        'meta[property="og:description"]',
        'meta[name="description"]',
        'meta[name="twitter:description"]',
    )
    return Preview(title, description, url)
