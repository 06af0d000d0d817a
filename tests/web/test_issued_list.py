"""Issued credentials page, sort and filter on the server (SQL) over HTTP; issuers only."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.ports_badges import IssuedFilter
from lti_tool.services.listing import ListQuery
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_badges_flow import award
from tests.web.test_flows import CAPPED, SINGLE

URL = "/issued"


def titles(client: FlaskClient, query: str) -> list[str]:
    page = client.get(f"{URL}?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', page.get_data(as_text=True))


def test_issued_credentials_sort_filter_and_page(
    client: FlaskClient, container: Container, district: District
) -> None:
    hinge = award(client, container, district, SINGLE)
    wait = award(client, container, district, CAPPED)
    sign_in(client, district.issuer)
    assert post(client, f"{URL}/{hinge.id}/revoke", reason="Plagiarised").status_code == 302
    newest = titles(client, "")
    assert newest == [wait.title, hinge.title]
    assert titles(client, "sort=issued") == [hinge.title, wait.title]
    assert titles(client, "sort=issued&dir=desc") == newest
    by_title = sorted([hinge.title, wait.title], key=str.casefold)
    assert titles(client, "sort=title") == by_title
    assert titles(client, "sort=title&dir=desc") == by_title[::-1]
    assert titles(client, "sort=title;drop table x&dir=asc") == newest  # unknown: newest first
    assert titles(client, "status=revoked") == [hinge.title]
    assert titles(client, "status=valid") == [wait.title]
    assert titles(client, "status=bogus") == newest
    assert titles(client, f"q={wait.title.split()[0].lower()}") == [wait.title]
    empty = client.get(f"{URL}?q=%25nothing").get_data(as_text=True)
    assert "No issued credential matches" in empty
    page = client.get(f"{URL}?sort=title").get_data(as_text=True)
    assert 'aria-sort="ascending"' in page and "2 in all" in page
    issuer = container.people.actor(district.issuer)
    pages = [
        container.credentials.issued(issuer, ListQuery(page=n, per_page=1), IssuedFilter())
        for n in (1, 2, 3)
    ]
    assert [[c.id for c in p.items] for p in pages] == [[wait.id], [hinge.id], []]
    assert pages[0].pages == 2 and pages[0].has_next and not pages[1].has_next
    sign_in(client, district.teacher)
    assert client.get(f"{URL}?sort=title").status_code == 403
