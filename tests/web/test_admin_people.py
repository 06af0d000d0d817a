"""Admin, People: role overrides over HTTP, audited, and respected by every later request."""

from __future__ import annotations

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter
from tests.web.conftest import District
from tests.web.http import post, sign_in

URL = "/admin/people"


def _audit(container: Container, district: District, person_id: str) -> list[str]:
    admin = container.people.actor(district.admin)
    page, _ = container.audit.page(admin, AuditFilter(entity_id=person_id, action="override_role"))
    return [f"{item.from_state}->{item.to_state}: {item.note}" for item in page.items]


def test_admin_grants_and_takes_away_roles_with_a_reason(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.admin)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Theodora Quill" in text and f'id="p-{district.teacher}"' in text

    granted = post(
        client, f"{URL}/{district.teacher}/roles", role="assessor", mode="grant",
        note="Trained assessor since the 2026 calibration",
    )  # fmt: skip
    assert granted.status_code == 302
    assert container.people.actor(district.teacher).roles == {Role.EDUCATOR, Role.ASSESSOR}

    revoked = post(
        client, f"{URL}/{district.teacher}/roles", role="educator", mode="revoke",
        note="Left the district",
    )  # fmt: skip
    assert revoked.status_code == 302
    assert container.people.actor(district.teacher).roles == {Role.ASSESSOR}
    listed = client.get(URL).get_data(as_text=True)
    assert "taken away" in listed and "Left the district" in listed

    cleared = post(client, f"{URL}/{district.teacher}/roles", role="educator", mode="clear")
    assert cleared.status_code == 302
    assert container.people.actor(district.teacher).roles == {Role.EDUCATOR, Role.ASSESSOR}
    assert _audit(container, district, district.teacher) == [
        "revoke->None: educator",
        "None->revoke: educator: Left the district",
        "None->grant: assessor: Trained assessor since the 2026 calibration",
    ]


def test_a_reason_is_required_and_admins_keep_their_own_admin_role(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.admin)
    no_reason = post(client, f"{URL}/{district.teacher}/roles", role="issuer", mode="grant")
    assert no_reason.status_code == 422
    own = post(
        client, f"{URL}/{district.admin}/roles", role="admin", mode="revoke", note="oops"
    )  # fmt: skip
    assert own.status_code == 422
    assert Role.ADMIN in container.people.actor(district.admin).roles
    bad = post(client, f"{URL}/{district.teacher}/roles", role="wizard", mode="grant", note="x")
    assert bad.status_code == 422
    assert _audit(container, district, district.teacher) == []


def test_only_admins_see_or_change_roles(client: FlaskClient, district: District) -> None:
    sign_in(client, district.issuer)
    assert client.get(URL).status_code == 403
    refused = post(
        client, f"{URL}/{district.issuer}/roles", role="admin", mode="grant", note="me"
    )  # fmt: skip
    assert refused.status_code == 403
