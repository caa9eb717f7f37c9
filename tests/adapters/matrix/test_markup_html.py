"""``to_html`` (Matrix ``formatted_body``): member text never becomes markup of its own."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from bot.core.markup import to_html


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser or a Matrix client would read it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parsed(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(to_html(text))
    return parser.tags


def test_a_quote_in_a_link_cannot_add_an_attribute() -> None:
    tags = parsed('[clic](https://e.org/"onmouseover="alert(1)")')
    assert tags == [("a", [("href", 'https://e.org/"onmouseover="alert(1')])]
    assert "&quot;" in to_html('[clic](https://e.org/"x)')
    assert "&#x27;" in to_html("[clic](https://e.org/'x)")


def test_labels_and_text_cannot_close_or_open_tags() -> None:
    text = "**[</a><img src=x onerror=alert(1)>](https://e.org)** </strong><b>gras</b>"
    tags = parsed(text)
    assert [t for t, _ in tags] == ["strong", "a"]
    assert "&lt;/a&gt;&lt;img" in to_html(text)


def test_formatting_never_rewrites_inside_a_url() -> None:
    html = to_html("[**lien**](https://e.org/**a**_b_`c`)")
    assert html == '<a href="https://e.org/**a**_b_`c`"><strong>lien</strong></a>'


def test_the_subset_still_renders() -> None:
    html = to_html("**Jeudi** *à* `10 h`, [lien](https://e.org/?a=1&b=2)\n- un\n- deux\nfin")
    assert html == (
        "<strong>Jeudi</strong> <em>à</em> <code>10 h</code>, "
        '<a href="https://e.org/?a=1&amp;b=2">lien</a><br>'
        "<ul><li>un</li><li>deux</li></ul>fin"
    )


def test_nul_characters_in_text_cannot_forge_a_link_slot() -> None:
    assert to_html("\x000\x00 [a](https://e.org)") == '0 <a href="https://e.org">a</a>'


@given(st.text(alphabet="<>\"'&=[]()*_`/ :.ahrefsclipt\n-", max_size=80))
def test_no_text_yields_an_attribute_other_than_a_link_href(text: str) -> None:
    for tag, attrs in parsed("https://x " + text):
        assert tag in {"a", "strong", "em", "code", "br", "ul", "li"}
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
            assert re.match(r"https?://", attrs[0][1] or "")
        else:
            assert attrs == []
