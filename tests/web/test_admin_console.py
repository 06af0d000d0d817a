"""Admin console over HTTP: the home page, organisations (paged, sorted, filtered, added and
audited) and the dashboards with their tables and CSV downloads, on a clock the test moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.ports import AuditFilter
from tests.fakes.memory import FakeClock
from tests.web.conftest import DEMO_CATALOG, District, make_settings
from tests.web.http import post, sign_in
from tests.web.test_flows import CAPPED, SINGLE, decide, review, submit_new

START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
TITLE = "Checking Understanding with Hinge Questions"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def container(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    """The web tests' container on a fake clock (overrides tests/web/conftest.py)."""
    settings = make_settings(database_url, tmp_path / "instance", CREDBRIDGE_REVIEW_DAYS="10")
    built = build(settings, clock=clock)
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.engine.dispose()


def test_the_admin_home_links_every_admin_area(client: FlaskClient, district: District) -> None:
    sign_in(client, district.admin)
    page = client.get("/admin").get_data(as_text=True)
    links = set(re.findall(r'href="(/admin[^"#?]*)"', page))
    expected = {"/admin/dashboards", "/admin/organisations", "/admin/people", "/admin/catalog",
                "/admin/platforms", "/admin/roster", "/admin/audit"}  # fmt: skip
    assert expected <= links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link
    assert "help" in page.lower() and "docs/admin-console.md" in page


def test_only_admins_reach_the_console(client: FlaskClient, district: District) -> None:
    sign_in(client, district.teacher)
    for url in ("/admin", "/admin/dashboards", "/admin/organisations",
                "/admin/dashboards/earned-per-month.csv"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert post(client, "/admin/organisations", name="X", kind="state").status_code == 403


def test_organisations_page_sort_filter_and_add(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.admin)
    page = client.get("/admin/organisations?kind=school").get_data(as_text=True)
    assert district.school_name in page and "1 in all." in page  # not the district itself

    district_id = container.people.organization_by_slug("lakeside")
    assert district_id is not None
    response = post(client, "/admin/organisations", name="  Lakeside  South High ",
                    kind="school", parent_id=district_id.id)  # fmt: skip
    assert response.status_code == 302
    listed = client.get("/admin/organisations?kind=school&sort=name&dir=desc")
    body = listed.get_data(as_text=True)
    assert body.index("Lakeside South High") < body.index(district.school_name)
    assert 'aria-sort="descending"' in body

    refused = post(client, "/admin/organisations", name="Orphan School", kind="school")
    assert refused.status_code == 422
    assert "choose the district the school belongs to" in refused.get_data(as_text=True)

    entries = container.audit.page(
        container.people.actor(district.admin),
        AuditFilter(entity_type="organization", actor_id=district.admin),
    )[0]
    assert [e.note for e in entries.items] == ["Lakeside South High"]


def test_dashboards_draw_counts_against_the_promised_review_time(
    client: FlaskClient, container: Container, district: District, clock: FakeClock
) -> None:
    awarded = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, awarded, SINGLE, "award")
    decide(client, district.issuer, awarded, "award")
    returned = submit_new(client, container, district.other_teacher, SINGLE)
    review(client, container, district.assessor, returned, SINGLE, "resubmit")
    decide(client, district.issuer, returned, "return", "Please add student work.")
    submit_new(client, container, district.teacher, CAPPED)  # waits for review
    clock.set(START + timedelta(days=15))  # 11 business days later: past the 10 promised

    sign_in(client, district.admin)
    page = client.get("/admin/dashboards").get_data(as_text=True)
    assert page.count('role="img"') == 4
    assert "<strong>1</strong> submission waiting" in page
    assert "<strong>1</strong> waiting longer than the promised 10 business days" in page
    assert "Overdue" in page  # said in words, not only in red

    def csv(key: str) -> str:
        response = client.get(f"/admin/dashboards/{key}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        return response.get_data(as_text=True)

    assert f"School,Awarded\r\n{district.school_name},1\r\n" == csv("earned-per-school")
    assert "\r\n2026-03,1\r\n" in csv("earned-per-month")
    assert f"{TITLE} (n=2),50\r\n" in csv("first-attempt")
    queue = csv("review-queue-age")
    assert queue.startswith("Credential,Longest wait,Median wait\r\n")
    assert ",11,11\r\n" in queue and queue.endswith("Promised review time,10\r\n")
    assert client.get("/admin/dashboards/nope.csv").status_code == 404


def test_dashboards_say_when_there_is_nothing_yet(client: FlaskClient, district: District) -> None:
    sign_in(client, district.admin)
    page = client.get("/admin/dashboards").get_data(as_text=True)
    assert page.count("No data yet") == 3
    assert "No submission is waiting for review." in page
    assert 'role="img"' not in page
    assert "No submission is waiting" in client.get("/admin").get_data(as_text=True)


def test_audit_trail_filters_by_who_what_and_when(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.admin)
    assert post(client, "/admin/organisations", name="Hill State", kind="state").status_code == 302
    page = client.get(f"/admin/audit?actor_id={district.admin}&entity_type=organization")
    body = page.get_data(as_text=True)
    assert "Hill State" in body and f'<option value="{district.admin}" selected>' in body
    assert "Lakeside North High" not in body.split("<table")[1]  # created by the system
    later = client.get(f"/admin/audit?actor_id={district.admin}&since=2026-03-03")
    assert "No entries match these filters" in later.get_data(as_text=True)
    same_day = client.get(f"/admin/audit?actor_id={district.admin}&until=2026-03-02&action=create")
    assert "Hill State" in same_day.get_data(as_text=True)


def test_people_page_searches_filters_by_role_and_sorts(
    client: FlaskClient, district: District
) -> None:
    sign_in(client, district.admin)
    found = client.get("/admin/people?q=QUILL").get_data(as_text=True)
    assert "Theodora Quill" in found and "Oscar Penrose" not in found and "1 in all." in found
    assessors = client.get("/admin/people?role=assessor&sort=name&dir=desc").get_data(as_text=True)
    names = [n for n in ("Lea Lead", "Ben Second", "Ada Assessor") if n in assessors]
    assert names == ["Lea Lead", "Ben Second", "Ada Assessor"]
    assert [assessors.index(n) for n in names] == sorted(assessors.index(n) for n in names)
    assert "Theodora Quill" not in assessors
    assert "Nobody matches" in client.get("/admin/people?q=zzz").get_data(as_text=True)
