"""``credbridge connections`` and ``credbridge deliveries``: delivery targets from the terminal."""

from __future__ import annotations

import click

from lti_tool.cli_support import command_container, domain_errors

SECRET_OPTIONS = {"client_secret", "secret", "password"}


@click.group()
def connections() -> None:
    """Delivery targets (Ed-Fi, webhook, SIF, CSV export): add, list, test."""


@connections.command("add")
@click.argument("kind", type=click.Choice(["edfi", "webhook", "sif", "csv_export"]))
@click.argument("name")
@click.option("--base-url", help="edfi: the ODS/API root.")
@click.option("--client-id", help="edfi: OAuth2 client id.")
@click.option("--client-secret", help="edfi: OAuth2 client secret (stored encrypted).")
@click.option("--namespace", help="edfi: the namespace URI of our events.")
@click.option("--hours-rounding", type=click.Choice(["half_up", "down", "up"]), help="edfi.")
@click.option("--source-system", help="edfi: SourceSystemDescriptor code of person ids.")
@click.option("--url", help="webhook, sif: where to send.")
@click.option("--secret", help="webhook: HMAC signing secret (stored encrypted).")
@click.option("--username", help="sif: user for Basic auth.")
@click.option("--password", help="sif: password (stored encrypted).")
@click.option("--template", type=click.Choice(["generic", "frontline", "powerschool"]))
@click.option("--dir", "directory", help="csv_export: folder to write (omit: download only).")
@click.option("--provider-number", help="The provider number certificates and exports carry.")
def connections_add(kind: str, name: str, **options: str | None) -> None:
    """Connect a target called NAME. Secrets are encrypted and never shown again."""
    values = {key: value for key, value in options.items() if value}
    values["dir"] = values.pop("directory", "")
    secrets = {key: value for key, value in values.items() if key in SECRET_OPTIONS}
    config = {key: value for key, value in values.items() if key not in SECRET_OPTIONS}
    with command_container() as container, domain_errors():
        target = container.delivery_admin.add_target(None, kind, name, config, secrets)
    click.echo(f"Connected {target.kind} target {target.name} ({target.id}).")
    click.echo(f"Earlier awards: 'credbridge deliveries backfill {target.name}' sends them once.")


@connections.command("list")
def connections_list() -> None:
    """Targets with their delivery counts per status."""
    with command_container() as container, domain_errors():
        summaries = container.delivery_admin.targets(None)
    for summary in summaries:
        target = summary.target
        counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())) or "none yet"
        state = "" if target.active else " (disconnected)"
        click.echo(f"{target.name}  {target.kind}{state}  deliveries: {counts}")


@connections.command("test")
@click.argument("name")
def connections_test(name: str) -> None:
    """Ask the target whether our settings work. Exit 1 when they do not."""
    with command_container() as container, domain_errors():
        ok, said = container.delivery_admin.test(None, name)
    click.echo(f"{name}: {'OK' if ok else 'FAILED'}: {said}")
    if not ok:
        raise SystemExit(1)


@connections.command("reseal")
def connections_reseal() -> None:
    """Re-encrypt every target's secrets under the newest CREDBRIDGE_ENCRYPTION_KEYS key."""
    with command_container() as container, domain_errors():
        count = container.delivery_admin.reseal(None)
    click.echo(f"Re-encrypted the secrets of {count} target(s) under the newest key.")


@click.group()
def deliveries() -> None:
    """Deliveries of awards to targets: backfill, reconcile."""


@deliveries.command("backfill")
@click.argument("name")
def deliveries_backfill(name: str) -> None:
    """Queue every earlier award for target NAME (once; running it again adds nothing)."""
    with command_container() as container, domain_errors():
        queued = container.delivery_admin.backfill(None, name)
    click.echo(f"Queued {queued} earlier award(s) for {name}; 'credbridge worker' delivers them.")


@deliveries.command("reconcile")
@click.argument("target")
def deliveries_reconcile(target: str) -> None:
    """Re-read what TARGET holds and report differences. Exit 1 when there are any."""
    with command_container() as container, domain_errors():
        readable, differences = container.delivery_admin.reconcile(None, target)
    if not readable:
        click.echo(f"{target}: this kind of target cannot be re-read; nothing compared.")
        return
    for difference in differences:
        click.echo(f"  award {difference.award_id}: {difference.problem}")
    click.echo(f"{target}: {len(differences)} difference(s).")
    if differences:
        raise SystemExit(1)
