"""The delivery-health dashboard: per target, deliveries by status and the oldest undelivered
age, drawn with its table and CSV, from real deliveries to fake receivers on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool.ports_dashboards import DeliveryFact
from lti_tool.services.delivery_charts import delivery_health_chart
from lti_tool.web.app import create_app
from tests.delivery.conftest import District
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.web.http import sign_in

NOW = datetime(2026, 5, 4, 12, tzinfo=UTC)
HEADER = (
    "Target,Delivered,Pending,Retrying,Refused,Dead,Resolved by hand,Oldest undelivered (hours)"
)


def test_each_target_shows_its_deliveries_by_status_in_chart_table_and_csv(
    district: District,
) -> None:
    container = district.container
    with WebhookReceiver(secret="right") as good, WebhookReceiver(secret="other") as bad:
        for name, receiver in (("HR webhook", good), ("Old PD system", bad)):
            container.delivery_admin.add_target(
                None, "webhook", name, {"url": receiver.base_url}, {"secret": "right"}
            )
        container.delivery_admin.add_target(
            None, "webhook", "Quiet", {"url": good.base_url}, {"secret": "right"}
        )
        container.delivery_admin.disconnect(None, container.delivery_admin.target(None, "Quiet").id)
        district.award()
        district.award()
        container.worker.drain()

    client = create_app(container=container).test_client()
    sign_in(client, district.admin.person_id)
    page = client.get("/admin/dashboards").get_data(as_text=True)
    assert 'id="h-delivery-health"' in page
    section = page.split('id="h-delivery-health"')[1].split("</section>")[0]
    assert 'role="img"' in section and '<th scope="row">HR webhook</th>' in section
    csv = client.get("/admin/dashboards/delivery-health.csv").get_data(as_text=True)
    lines = csv.split("\r\n")
    assert lines[0] == HEADER
    assert "HR webhook,2,0,0,0,0,0,0" in lines
    assert "Old PD system,0,0,0,2,0,0," in csv  # refused: signature does not match
    refused_age = next(line for line in lines if line.startswith("Old PD system")).split(",")[-1]
    assert 0 <= float(refused_age) < 1
    assert "Quiet (disconnected),0,0,0,0,0,0,0" in lines


def test_the_oldest_undelivered_age_ignores_settled_deliveries() -> None:
    facts = [
        DeliveryFact("Ed-Fi", True, "delivered", 5, NOW - timedelta(days=30)),
        DeliveryFact("Ed-Fi", True, "retrying", 1, NOW - timedelta(hours=3)),
        DeliveryFact("Ed-Fi", True, "dead", 1, NOW - timedelta(hours=26, minutes=30)),
        DeliveryFact("Ed-Fi", True, "resolved", 2, NOW - timedelta(days=40)),
        DeliveryFact("SIF", True, None, 0, None),
    ]
    chart = delivery_health_chart(facts, NOW)
    assert chart.rows() == [
        tuple(HEADER.split(",")),
        ("Ed-Fi", "5", "0", "1", "0", "1", "2", "26.5"),
        ("SIF", "0", "0", "0", "0", "0", "0", "0"),
    ]
    assert not chart.empty
    assert delivery_health_chart([facts[-1]], NOW).empty
