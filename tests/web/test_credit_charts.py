"""Renewal progress and the credit and stipend dashboards drawn as charts, each with the table
and CSV behind it, over HTTP."""

from __future__ import annotations

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_credit_pages import award, set_up


def get_csv(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def test_the_teacher_sees_renewal_progress_per_category_with_its_cap(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award(container, district)
    post(
        client, f"/admin/credit/{org}/overrides", target="credential:purposeful-wait-time",
        credit_amount="40", credit_unit="clock_hours", category="self_study",
    )  # fmt: skip
    award(container, district, "purposeful-wait-time")
    sign_in(client, district.teacher)
    page = client.get("/credit").get_data(as_text=True)
    assert 'role="img"' in page and "Renewal progress in this cycle</title>" in page
    assert "self study (cap 30): 40" in page  # the description lists every value
    assert "Table of the numbers in this chart" in page
    assert "docs/credit-and-stipends.md#progress" in page
    assert get_csv(client, "/credit/renewal.csv") == (
        "Category,Earned,Counted (after caps)\r\n"
        "general,12,12\r\n"
        "self study (cap 30),40,30\r\n"
        "Total toward renewal,52,42\r\n"
        "Requirement in clock hours,150\r\n"
    )


def test_without_a_jurisdiction_there_is_no_chart(client: FlaskClient, district: District) -> None:
    sign_in(client, district.teacher)
    page = client.get("/credit").get_data(as_text=True)
    assert "<svg" not in page and "has not chosen its jurisdiction" in page
    assert client.get("/credit/renewal.csv").status_code == 404


def test_admins_see_the_progress_of_everyone_in_a_school(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award(container, district)
    page = client.get(f"/admin/credit/people/{org}").get_data(as_text=True)
    assert "Renewal progress of each person</title>" in page
    assert get_csv(client, f"/admin/credit/people/{org}/renewal.csv") == (
        "Person,Progress\r\n"
        "Oscar Penrose (0 of 150 clock hours),0\r\n"
        "Theodora Quill (12 of 150 clock hours),8\r\n"
    )
    sign_in(client, district.teacher)
    assert client.get(f"/admin/credit/people/{org}/renewal.csv").status_code == 403


def test_dashboards_count_credit_per_jurisdiction_and_stipends_per_state_and_source(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    page = client.get("/admin/dashboards").get_data(as_text=True)
    assert "No credit granted yet" in page and "No stipends yet" in page
    post(
        client, f"/admin/credit/{org}/overrides", target="credential:purposeful-wait-time",
        credit_amount="20", credit_unit="clock_hours", category="general",
        stipend_amount="150", funding_source="Title I",
    )  # fmt: skip
    award(container, district)
    award(container, district, "purposeful-wait-time")
    admin = container.people.actor(district.admin)
    (hinge,) = [v for v in container.stipends.ledger(admin) if v.row.stipend.amount == 300]
    container.stipends.approve(admin, hinge.row.stipend.id)
    page = client.get("/admin/dashboards").get_data(as_text=True)
    for title in ("PD credit granted per jurisdiction", "Stipends by state",
                  "Stipends by funding source"):  # fmt: skip
        assert f"{title}</title>" in page
    assert get_csv(client, "/admin/dashboards/credit-granted.csv") == (
        "Jurisdiction (unit),In the jurisdiction's unit,In clock hours,Credit lines\r\n"
        "TX (clock hours),32,32,2\r\n"
    )
    assert get_csv(client, "/admin/dashboards/stipends-by-state.csv") == (
        "State,Amount (USD),Stipends\r\n"
        "requested,150,1\r\napproved,300,1\r\nexported,0,0\r\npaid,0,0\r\nrejected,0,0\r\n"
    )
    assert get_csv(client, "/admin/dashboards/stipends-by-source.csv") == (
        "Funding source,Waiting for approval (USD),Committed (USD),Stipends,Rejected\r\n"
        "Title II,0,300,1,0\r\nTitle I,150,0,1,0\r\n"
    )
