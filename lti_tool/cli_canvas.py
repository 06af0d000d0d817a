"""``credbridge canvas``: connect a Canvas instance's API developer key and sync course rosters
(docs/canvas.md)."""

from __future__ import annotations

import click

from lti_tool.cli_roster import district, print_report
from lti_tool.cli_support import command_container, domain_errors


@click.group()
def canvas() -> None:
    """Canvas REST: connect an instance, sync course rosters (docs/canvas.md)."""


@canvas.command("connect")
@click.option("--base-url", required=True, help="https://district.instructure.com")
@click.option("--client-id", required=True, help="The API developer key's ID.")
@click.option(
    "--client-secret",
    prompt=True,
    hide_input=True,
    envvar="CREDBRIDGE_CANVAS_CLIENT_SECRET",
    help="The developer key's key; asked for when not given. Stored encrypted.",
)
@click.option(
    "--token",
    "account_token",
    default=None,
    envvar="CREDBRIDGE_CANVAS_TOKEN",
    help="An account admin's access token for roster syncs and comments; stored encrypted.",
)
@click.option("--org", "org_slug", default=None, help="The district the rosters belong to.")
def connect(
    base_url: str,
    client_id: str,
    client_secret: str,
    account_token: str | None,
    org_slug: str | None,
) -> None:
    """Connect a Canvas instance (running it again replaces the key and token)."""
    with command_container() as container, domain_errors():
        scope = district(container, org_slug)
        connection = container.canvas.connect(
            base_url, client_id, client_secret, scope.id, account_token
        )
    token = "with an account token" if account_token else "without an account token"
    click.echo(f"Canvas {connection.base_url} connected for {scope.name} ({token}).")


@canvas.command("sync-course")
@click.argument("course_id")
@click.option("--base-url", default=None, help="Which connection (needed when there are several).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def sync_course(course_id: str, base_url: str | None, as_json: bool) -> None:
    """Import one course's sections, users (SIS id, login, email) and enrollments."""
    with command_container() as container, domain_errors():
        report = container.canvas.sync_course(base_url, course_id)
    print_report(report, as_json)


@canvas.command("schedule-syncs")
def schedule_syncs() -> None:
    """Queue a roster sync of every course the tool was launched from now (the running worker
    also does this every hour; twice in one hour queues nothing new)."""
    with command_container() as container, domain_errors():
        queued = container.canvas.schedule_syncs()
    click.echo(f"Queued {queued} Canvas course syncs for the worker.")
