"""The stipend ledger pages, sorts and filters on the server (SQL), over HTTP: each sort both
ways, each filter, totals for the filter, paging boundaries, and an unknown sort is harmless."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.ports_credit import LedgerFilter
from lti_tool.services.listing import ListQuery
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_credit_pages import award, set_up

URL = "/admin/stipends"
WAIT = "purposeful-wait-time"


@pytest.fixture
def ledger(client: FlaskClient, container: Container, district: District) -> str:
    """Three stipends: Theodora 300 Title II (approved) and 1200 Title I, Oscar 300 Title II."""
    org = set_up(client, container, district)
    post(
        client, f"/admin/credit/{org}/overrides", target=f"credential:{WAIT}",
        credit_amount="20", credit_unit="clock_hours", category="general",
        stipend_amount="1200", funding_source="Title I",
    )  # fmt: skip
    award(container, district)
    award(container, district, WAIT)
    award(container, district, teacher_id=district.other_teacher)
    admin = container.people.actor(district.admin)
    hinge = [v for v in container.stipends.ledger(admin) if v.educator == "Theodora Quill"]
    approved = next(v for v in hinge if v.row.stipend.amount == 300).row.stipend.id
    assert post(client, f"{URL}/{approved}/approve", confirm="yes").status_code == 302
    return org


def rows(client: FlaskClient, query: str) -> list[str]:
    """(educator amount) of each ledger row, top to bottom."""
    page = client.get(f"{URL}?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    found = re.findall(
        r'<tr id="s-[^"]+">\s*<td>([^<]+)<br>.*?<td>([\d.]+) USD',
        page.get_data(as_text=True),
        re.S,
    )
    return [f"{name} {amount}" for name, amount in found]


def test_each_sort_both_ways(client: FlaskClient, ledger: str) -> None:
    cheapest = rows(client, "sort=amount")  # as numbers: text would put "1200" first
    assert cheapest[-1] == "Theodora Quill 1200" and len(cheapest) == 3
    assert [r.split()[-1] for r in rows(client, "sort=amount&dir=desc")] == [
        "1200", "300.00", "300.00",
    ]  # fmt: skip
    by_name = rows(client, "sort=educator")
    assert [r.split()[0] for r in by_name] == ["Oscar", "Theodora", "Theodora"]
    assert [r.split()[0] for r in rows(client, "sort=educator&dir=desc")] == [
        "Theodora", "Theodora", "Oscar",
    ]  # fmt: skip
    oldest_first = rows(client, "sort=requested")
    assert oldest_first == list(reversed(rows(client, "sort=requested&dir=desc")))
    assert oldest_first[0] == "Theodora Quill 300.00" and oldest_first[-1].startswith("Oscar")
    page = client.get(f"{URL}?sort=amount&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and page.count("aria-sort=") == 1


def test_an_unknown_sort_falls_back_to_newest_first(client: FlaskClient, ledger: str) -> None:
    newest = rows(client, "")
    assert newest[0].startswith("Oscar") and len(newest) == 3
    for evil in ("amount;DROP TABLE stipends", "id", "requested_at desc", "educator--"):
        assert rows(client, f"sort={evil}&dir=desc") == newest
    page = client.get(f"{URL}?sort=nope").get_data(as_text=True)
    assert "aria-sort=" not in page and "nope" not in page


def test_each_filter_and_the_totals_follow_it(
    client: FlaskClient, container: Container, district: District, ledger: str
) -> None:
    assert rows(client, "state=approved") == ["Theodora Quill 300.00"]
    assert sorted(rows(client, "state=requested")) == [
        "Oscar Penrose 300.00",
        "Theodora Quill 1200",
    ]
    assert rows(client, "source=Title+I") == ["Theodora Quill 1200"]
    assert len(rows(client, "source=Title+II")) == 2
    assert rows(client, "q=oscar") == ["Oscar Penrose 300.00"]
    assert rows(client, "q=%25") == [] and rows(client, "q=_") == []
    school = next(o for o in container.people.organizations() if o.name == district.school_name)
    assert len(rows(client, f"school={school.id}")) == 3
    assert rows(client, "school=elsewhere") == []
    assert rows(client, f"district={ledger}&q=theodora&source=Title+II&state=approved") == [
        "Theodora Quill 300.00"
    ]
    empty = client.get(f"{URL}?district={ledger}&state=paid").get_data(as_text=True)
    assert "No stipends match these filters" in empty and "Clear the filters" in empty
    assert "0 in all" in empty
    filtered = client.get(f"{URL}?district={ledger}&source=Title+II").get_data(as_text=True)
    totals = filtered[filtered.index("Totals per school") :]
    assert "300.00" in totals and "1200" not in totals.split("<h2>Budgets")[0]
    admin = container.people.actor(district.admin)
    sums = container.stipends.totals(admin, ledger, LedgerFilter(state=None, educator="oscar"))
    assert [dict(row.by_state) for row in sums.rows] == [{"requested": 300}]


def test_paging_boundaries(
    client: FlaskClient, container: Container, district: District, ledger: str
) -> None:
    admin = container.people.actor(district.admin)
    listing = container.stipends
    newest = [v.row.stipend.id for v in listing.ledger(admin)]
    pages = [listing.page(admin, LedgerFilter(), ListQuery(page=n, per_page=2)) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [2, 1, 0]
    assert [p.pages for p in pages] == [2, 2, 2] and pages[0].total == 3
    assert [v.row.stipend.id for p in pages for v in p.items] == newest
    assert pages[0].has_next and not pages[1].has_next and pages[1].has_previous
    exact = listing.page(admin, LedgerFilter(), ListQuery(per_page=3))
    assert exact.pages == 1 and not exact.has_next
    text = client.get(f"{URL}?page=0").get_data(as_text=True)
    assert "3 in all" in text and "Next page" not in text
    assert client.get(f"{URL}?page=x").status_code == 200
    assert rows(client, "page=2") == []


def test_only_admins_see_the_ledger(client: FlaskClient, district: District) -> None:
    for who in (district.teacher, district.assessor, district.issuer):
        sign_in(client, who)
        assert client.get(f"{URL}?sort=amount&state=approved").status_code == 403
