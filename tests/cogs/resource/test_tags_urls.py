"""Tag normalisation (bot.core.tags) and URL checks/dedupe keys (cogs.resource.urls)."""

from __future__ import annotations

import pytest

from bot.core import UserError
from bot.core.tags import most_used_spelling, parse_tags, synonym_table
from cogs.resource.urls import check_url, normalise_url, strip_tracking


def test_spellings_fold_to_one_tag() -> None:
    tags = parse_tags("Médiation, médiation ;  Mediation | MÉDIATION !, numérique")
    assert [t.key for t in tags] == ["mediation", "numerique"]
    assert tags[0].label == "Médiation"


def test_synonyms_map_to_the_canonical_label() -> None:
    table = synonym_table({"EAC": "éducation artistique et culturelle"})
    tags = parse_tags("eac, Éducation artistique et culturelle", table)
    assert [(t.key, t.label) for t in tags] == [
        ("education artistique et culturelle", "éducation artistique et culturelle")
    ]


def test_too_many_or_too_long_tags_are_refused() -> None:
    with pytest.raises(UserError) as too_many:
        parse_tags(", ".join(f"tag{i}" for i in range(11)))
    assert too_many.value.params == {"count": 11, "max": 10}
    parse_tags(", ".join(f"tag{i}" for i in range(10)))  # ten is fine
    with pytest.raises(UserError) as too_long:
        parse_tags("x" * 41)
    assert too_long.value.params["length"] == 41
    assert parse_tags("x" * 40)[0].key == "x" * 40


def test_most_used_spelling_wins() -> None:
    assert most_used_spelling({"médiation": 3, "Médiation": 5, "Mediation": 1}) == "Médiation"
    assert most_used_spelling({"b": 2, "a": 2}) == "a"


@pytest.mark.parametrize(
    "variant",
    [
        "https://example.org/guide",
        "HTTPS://Example.ORG/guide/",
        "https://example.org:443/guide#part-2",
        "https://example.org/guide?utm_source=newsletter&utm_medium=mail",
        "https://example.org/guide/?fbclid=abc&mc_cid=1",
    ],
)
def test_url_variants_share_one_key(variant: str) -> None:
    assert normalise_url(variant) == "https://example.org/guide"


def test_meaningful_query_and_port_are_kept() -> None:
    assert (
        normalise_url("http://example.org:8080/a?b=2&a=1") == "http://example.org:8080/a?a=1&b=2"
    )
    assert normalise_url("http://example.org:80/") == "http://example.org"
    assert strip_tracking("https://x.org/a?id=3&utm_campaign=z") == "https://x.org/a?id=3"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("pas un lien", "n'est pas une adresse web"),
        ("example", "n'est pas une adresse web"),
        ("ftp://example.org/file", "Seuls les liens http"),
        ("javascript:alert(1)", "Seuls les liens http"),
        ("http://127.0.0.1/admin", "adresse privée ou locale"),
        ("http://10.1.2.3/", "adresse privée ou locale"),
        ("http://[::1]:8080/", "adresse privée ou locale"),
        ("http://169.254.169.254/latest/meta-data", "adresse privée ou locale"),
        ("http://localhost:5432/", "adresse privée ou locale"),
        ("http://[::ffff:192.168.0.1]/", "adresse privée ou locale"),
    ],
)
def test_bad_urls_are_refused(url: str, fragment: str) -> None:
    with pytest.raises(UserError) as error:
        check_url(url)
    assert fragment in error.value.msgid


def test_private_urls_allowed_when_configured() -> None:
    assert check_url("http://127.0.0.1:8080/x", allow_private=True) == "http://127.0.0.1:8080/x"


@pytest.mark.parametrize(
    "url",
    [
        "http://0177.0.0.1/admin",  # octal
        "http://127.1/",  # short form
        "http://0x7f000001/",  # one hex number
        "http://0x7f.0.0.1/",
        "http://2130706433/",  # one decimal number
        "http://010.8.8.8/",  # leading zero (octal to inet_aton)
        "http://1.2.3.4.5/",
        "http://１２７.０.０.１/",  # full-width digits: 127.0.0.1 after IDNA
        "http://１２７。０。０。１/",  # and ideographic full stops
        "http://①②⑦.0.0.1/",  # circled digits
        "http://８.８.８.８/",  # even a public address: only the plain dotted quad is accepted
        "http://0177.0.0.1:8080/",
    ],
)
def test_odd_ip_spellings_are_refused(url: str) -> None:
    with pytest.raises(UserError) as error:
        check_url(url)
    assert "écrite de façon inhabituelle" in error.value.msgid
    # Not even a test setup that allows private addresses accepts them.
    with pytest.raises(UserError):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["http://ｌｏｃａｌｈｏｓｔ/", "http://LOCALHOST./", "http://[0:0:0:0:0:0:0:1]/"]
)
def test_private_hosts_are_recognised_after_idna(url: str) -> None:
    with pytest.raises(UserError) as error:
        check_url(url)
    assert "adresse privée ou locale" in error.value.msgid


@pytest.mark.parametrize(
    "url",
    [
        "https://user:motdepasse@example.org/",
        "https://user@example.org/",
        "https://@example.org/",
        "https://trusted.example@evil.example/page",
    ],
)
def test_urls_with_credentials_are_refused(url: str) -> None:
    with pytest.raises(UserError) as error:
        check_url(url)
    assert "identifiant ou un mot de passe" in error.value.msgid


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/",
        "https://café.example/menu",
        "https://xn--caf-dma.example/menu",
        "https://1.example.org/",
        "https://example.org./a",
        "https://www.example.org/a@b",  # an @ in the path is not a credential
        "http://[2001:4860:4860::8888]/",
    ],
)
def test_ordinary_hosts_are_still_accepted(url: str) -> None:
    assert check_url(url) == url
