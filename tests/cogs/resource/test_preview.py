"""The link preview reads titles safely: private addresses are refused before connecting."""

from __future__ import annotations

import ipaddress

import pytest

from cogs.resource.preview import PreviewError, PreviewFetcher
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
    assert "secondes" in error.value.msgid


async def test_http_errors_are_reported(site: LocalSite) -> None:
    with pytest.raises(PreviewError) as error:
        await PreviewFetcher(allow_private=True).fetch(site.url("/missing"))
    assert error.value.params == {"status": 404}
