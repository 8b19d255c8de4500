"""The collection envelope: a malformed ``links`` is an InvalidResponse (found by the hypothesis
test of malformed pages: ``{"links": true}`` raised AttributeError in every sync that pages)."""

from __future__ import annotations

import pytest

from partnercenter.errors import InvalidResponse
from partnercenter.paging import parse_page


@pytest.mark.parametrize("links", [True, 1, "next", ["next"]])
def test_links_that_are_not_an_object_are_an_invalid_response(links):
    with pytest.raises(InvalidResponse, match="links is not an object"):
        parse_page({"items": [], "links": links}, "orders")


def test_links_absent_or_empty_end_the_paging():
    assert parse_page({"items": [{"id": 1}]}, "orders").next_uri is None
    assert parse_page({"items": [], "links": {}}, "orders").next_uri is None
    assert parse_page({"items": [], "links": None}, "orders").next_uri is None
