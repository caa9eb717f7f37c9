"""The link preview reads titles safely: private addresses are refused before connecting."""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest

from cogs.resource import preview as preview_module
from cogs.resource.preview import Preview, PreviewError, PreviewFetcher, choose_codec
from tests.cogs.resource.conftest import LocalSite


async def test_reads_open_graph_title_and_description(site: LocalSite) -> None:
    preview = await PreviewFetcher(allow_private=True).fetch(site.url("/page"))
    assert preview.title == "Guide de la médiation numérique"
    assert preview.description == "Comment accueillir les publics éloignés."


async def test_falls_back_to_the_title_element(site: LocalSite) -> None:
    preview = await PreviewFetcher(allow_private=True).fetch(site.url("/plain"))
    assert (preview.title, preview.description) == ("Un titre simple", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/page",
        "http://10.0.0.7/page",
        "http://[::1]:{port}/page",
        "http://169.254.169.254/latest/meta-data",
        "http://224.0.0.1/",
        "http://0.0.0.0:{port}/page",
        "http://[::ffff:127.0.0.1]:{port}/page",
    ],
)
async def test_private_literal_addresses_are_refused_before_connecting(
    site: LocalSite, url: str
) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher().fetch(url.format(port=site.port))
    assert "adresse privée ou locale" in error.value.msgid
    assert site.hits == []  # the local server was never contacted


async def test_a_name_resolving_to_loopback_is_refused(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher().fetch(f"http://localhost:{site.port}/page")
    assert "adresse privée ou locale" in error.value.msgid
    assert site.hits == []


async def test_every_resolved_address_is_checked(site: LocalSite) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # one public, one loopback: refused

    with pytest.raises(PreviewError):
        await PreviewFetcher(resolve=resolve).fetch(f"http://news.example:{site.port}/page")
    assert site.hits == []


async def test_the_connection_goes_to_the_checked_address(site: LocalSite) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    only_loopback = PreviewFetcher(
        resolve=resolve, policy=lambda ip: ip == ipaddress.ip_address("127.0.0.1")
    )
    preview = await only_loopback.fetch(f"http://revue.example:{site.port}/page")
    assert preview.title == "Guide de la médiation numérique"


@pytest.mark.parametrize(
    "target", ["http://10.0.0.1/admin", "http://[::1]:{port}/page", "http://169.254.169.254/"]
)
async def test_a_redirect_to_a_private_address_is_refused(site: LocalSite, target: str) -> None:
    # Only the test server's own address is allowed: the redirect hop must be checked again.
    fetcher = PreviewFetcher(policy=lambda ip: ip == ipaddress.ip_address("127.0.0.1"))
    url = site.url("/redirect?to=" + target.format(port=site.port))
    with pytest.raises(PreviewError) as error:
        await fetcher.fetch(url)
    assert "adresse privée ou locale" in error.value.msgid
    assert site.hits == ["/redirect"]


async def test_redirects_are_followed_at_most_three_times(site: LocalSite) -> None:
    fetcher = PreviewFetcher(allow_private=True)
    with pytest.raises(PreviewError) as error:
        await fetcher.fetch(site.url("/loop/0"))
    assert error.value.params == {"max": 3}
    assert site.hits == ["/loop/0", "/loop/1", "/loop/2", "/loop/3"]
    preview = await fetcher.fetch(site.url("/redirect?to=/page"))
    assert preview.title == "Guide de la médiation numérique"


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher"])
async def test_only_http_and_https(scheme: str) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(f"{scheme}://127.0.0.1/x")
    assert "http" in error.value.msgid


async def test_html_only(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(site.url("/file.pdf"))
    assert error.value.params == {"type": "application/pdf"}


async def test_reads_at_most_the_size_limit(site: LocalSite) -> None:
    preview = await PreviewFetcher(allow_private=True, max_bytes=100_000).fetch(site.url("/huge"))
    assert preview.title == "Grand"


async def test_times_out(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True, timeout=0.5).fetch(site.url("/slow"))
    assert "répondu à temps" in error.value.msgid


async def test_http_errors_are_reported(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(site.url("/missing"))
    assert error.value.params == {"status": 404}


class Ticker:
    """Counts event-loop turns while it runs: a frozen loop stops counting."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.stamps.append(time.monotonic())
            await asyncio.sleep(0.02)

    def __enter__(self) -> Ticker:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def during(self, start: float, end: float) -> int:
        return sum(1 for s in self.stamps if start <= s <= end)


@pytest.mark.parametrize("where", ["header", "meta"])
async def test_an_exotic_charset_is_not_used_to_decode(site: LocalSite, where: str) -> None:
    url = site.url("/charset/punycode" + ("?meta" if where == "meta" else ""))
    started = time.monotonic()
    preview = await PreviewFetcher(allow_private=True).fetch(url)
    elapsed = time.monotonic() - started
    assert preview.title == "Ordinaire"  # read as UTF-8, not through punycode
    assert elapsed < 1.5, f"the preview took {elapsed:.1f} s"  # punycode: about 4 s


@pytest.mark.parametrize("where", ["header", "meta"])
async def test_ordinary_charsets_are_still_honoured(site: LocalSite, where: str) -> None:
    url = site.url("/charset/iso-8859-1" + ("?meta" if where == "meta" else ""))
    preview = await PreviewFetcher(allow_private=True).fetch(url)
    assert preview.title == "Café théâtre"


@pytest.mark.parametrize(
    ("declared", "codec"),
    [
        ("utf-8", "utf-8"),
        ("UTF8", "utf-8"),
        ("latin-1", "cp1252"),  # as browsers read it
        ("ISO-8859-15", "iso8859-15"),
        ("windows-1250", "cp1250"),
        ("us-ascii", "cp1252"),
        ("utf-16le", "utf-16-le"),
        ("shift_jis", "shift_jis"),
        ("punycode", "utf-8"),
        ("idna", "utf-8"),
        ("rot13", "utf-8"),
        ("unicode_escape", "utf-8"),
        ("utf-7", "utf-8"),
        ("zlib", "utf-8"),
        ("nonexistent", "utf-8"),
        (None, "utf-8"),
    ],
)
def test_only_allowed_charsets_are_chosen(declared: str | None, codec: str) -> None:
    assert choose_codec(b"<html></html>", declared) == codec


def test_a_byte_order_mark_wins() -> None:
    assert choose_codec(b"\xef\xbb\xbf<html>", "punycode") == "utf-8-sig"
    assert choose_codec("<html>".encode("utf-16"), None) == "utf-16"


def test_a_meta_charset_is_used_when_the_header_names_none_allowed() -> None:
    page = b'<html><head><meta charset="koi8-r">'
    assert choose_codec(page, None) == "koi8-r"
    assert choose_codec(page, "punycode") == "koi8-r"
    assert choose_codec(page, "windows-1252") == "cp1252"  # the header wins
    assert choose_codec(b'<meta charset="punycode">', None) == "utf-8"
    assert choose_codec(b'<meta charset="utf-16">', None) == "utf-8"  # ASCII-readable: not 16


async def test_parsing_runs_off_the_event_loop(
    site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans: list[tuple[float, float]] = []

    def slow_parse(body: bytes, charset: str | None, url: str) -> Preview:
        start = time.monotonic()
        time.sleep(0.4)  # a page that is slow to parse
        spans.append((start, time.monotonic()))
        return Preview("Lent", None, url)

    monkeypatch.setattr(preview_module, "parse_preview", slow_parse)
    with Ticker() as ticker:
        preview = await PreviewFetcher(allow_private=True).fetch(site.url("/page"))
    assert preview.title == "Lent"
    (start, end) = spans[0]
    assert ticker.during(start, end) >= 5  # about 20 turns of the loop while parsing


async def test_parsing_is_bounded_by_the_timeout(
    site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck_parse(body: bytes, charset: str | None, url: str) -> Preview:
        time.sleep(1.5)
        return Preview("Trop tard", None, url)

    monkeypatch.setattr(preview_module, "parse_preview", stuck_parse)
    started = time.monotonic()
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True, timeout=0.5).fetch(site.url("/page"))
    assert "répondu à temps" in error.value.msgid
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize(
    "host",
    ["0177.0.0.1", "127.1", "0x7f000001", "2130706433", "0x7f.0.0.1", "１２７.０.０.１"],
)
async def test_odd_ip_spellings_are_refused_before_connecting(site: LocalSite, host: str) -> None:
    # Even where private addresses are allowed (tests), these spellings are not read.
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(f"http://{host}:{site.port}/page")
    assert "inhabituelle" in error.value.msgid
    assert site.hits == []


async def test_a_redirect_to_an_odd_ip_spelling_is_refused(site: LocalSite) -> None:
    fetcher = PreviewFetcher(policy=lambda ip: ip == ipaddress.ip_address("127.0.0.1"))
    with pytest.raises(PreviewError) as error:
        await fetcher.fetch(site.url(f"/redirect?to=http://127.1:{site.port}/page"))
    assert "inhabituelle" in error.value.msgid
    assert site.hits == ["/redirect"]


async def test_credentials_are_refused_before_connecting(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(
            f"http://membre:secret@127.0.0.1:{site.port}/page"
        )
    assert "mot de passe" in error.value.msgid
    assert site.hits == []


async def test_an_international_name_is_resolved_and_connected_as_idna(site: LocalSite) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    fetcher = PreviewFetcher(
        resolve=resolve, policy=lambda ip: ip == ipaddress.ip_address("127.0.0.1")
    )
    preview = await fetcher.fetch(f"http://café.example:{site.port}/page")
    assert preview.title == "Guide de la médiation numérique"
    assert asked == ["xn--caf-dma.example"]
