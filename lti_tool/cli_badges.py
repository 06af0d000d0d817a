"""``credbridge credentials``, ``credbridge issuers`` and ``credbridge worker``."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path
from types import FrameType

import click

from lti_tool.cli_support import command_container, domain_errors
from lti_tool.domain.badges import StackPolicy
from lti_tool.services.outbox import DrainReport, OutboxWorker

log = logging.getLogger(__name__)


@click.group()
def credentials() -> None:
    """Open Badges 3.0 credentials: verify, export, revoke."""


@credentials.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def credentials_verify(path: Path, as_json: bool) -> None:
    """Verify a credential file: JSON, a VC-JWT, or a baked PNG/SVG. Exit 1 unless valid."""
    data = path.read_bytes()
    with command_container() as container:
        service = container.verification
        is_image = data.startswith(b"\x89PNG") or path.suffix.lower() in {".png", ".svg"}
        report = (
            service.verify_image(data)
            if is_image
            else service.verify_text(data.decode("utf-8", errors="replace"))
        )
    if as_json:
        click.echo(json.dumps({**report.to_json(), "credential": None}, indent=2))
    else:
        click.echo(f"{path}: {report.status.value.upper()}")
        for check in report.checks:
            click.echo(f"  [{'ok' if check.passed else 'FAILED'}] {check.name}: {check.detail}")
    if not report.valid:
        raise SystemExit(1)


@credentials.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def credentials_export(directory: Path) -> None:
    """Write every issued credential as <id>.json and <id>.jwt into DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    with command_container() as container:
        total, every = container.credentials.export()
        with click.progressbar(every, length=total, label="Exporting") as items:
            for credential in items:
                (directory / f"{credential.id}.json").write_text(
                    json.dumps(credential.document, indent=2), encoding="utf-8"
                )
                (directory / f"{credential.id}.jwt").write_text(credential.jwt, encoding="ascii")
                count += 1
    click.echo(f"Wrote {count} credential(s) to {directory} (.json and .jwt each).")


@credentials.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True, help="Shown by every verifier.")
@click.option("--as", "person_id", required=True, help="The issuer of record's person id.")
def credentials_revoke(credential_id: str, reason: str, person_id: str) -> None:
    """Revoke a credential (audited); verifiers report it revoked with the reason."""
    with command_container() as container, domain_errors():
        actor = container.people.actor(person_id)
        revoked = container.credentials.revoke(actor, credential_id, reason)
    click.echo(f"Revoked {revoked.id} ({revoked.title}).")


@click.group()
def issuers() -> None:
    """Issuer profiles (the issuers of record) and their signing keys."""


@issuers.command("list")
def issuers_list() -> None:
    with command_container() as container:
        found = container.credentials.issuers_with_keys()
    if not found:
        click.echo("No issuer yet: the first award creates the default one.")
    for issuer, keys in found:
        current = sum(1 for key in keys if key.retired_at is None)
        click.echo(
            f"{issuer.id}  {issuer.name}  stacks={issuer.stack_policy.value} "
            f"results={'public' if issuer.show_results else 'private'}  "
            f"keys: {current} current, {len(keys) - current} retired"
        )


@issuers.command("set")
@click.argument("issuer_id")
@click.option("--name")
@click.option("--url")
@click.option("--email")
@click.option("--assessor", "assessor_name", help="The assessing organisation (the source).")
@click.option("--stack-policy", type=click.Choice([policy.value for policy in StackPolicy]))
@click.option("--results/--no-results", default=None, help="Publish per-section outcomes.")
@click.option("--jurisdiction", help="Where PD credit counts, e.g. US-TN.")
def issuers_set(
    issuer_id: str,
    name: str | None,
    url: str | None,
    email: str | None,
    assessor_name: str | None,
    stack_policy: str | None,
    results: bool | None,
    jurisdiction: str | None,
) -> None:
    """Change an issuer's profile; credentials issued before keep what they said."""
    with command_container() as container, domain_errors():
        issuer = container.credentials.update_issuer(
            issuer_id,
            name=name,
            url=url,
            email=email,
            assessor_name=assessor_name,
            stack_policy=StackPolicy(stack_policy) if stack_policy else None,
            show_results=results,
            jurisdiction=jurisdiction,
        )
    click.echo(f"Updated {issuer.id}: {issuer.name}")


@issuers.command("rotate-keys")
@click.argument("issuer_id")
def issuers_rotate(issuer_id: str) -> None:
    """New Ed25519 and RSA keys; the old ones retire but stay published (old credentials verify)."""
    with command_container() as container, domain_errors():
        made = container.credentials.rotate_keys(issuer_id)
    for key in made:
        click.echo(f"New {key.kind.value} key {key.id}")


@click.command()
@click.option("--drain", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(drain: bool, interval: float) -> None:
    """Run the outbox worker: issue credentials for awards (and, later, deliveries), and run
    each roster provider's scheduled syncs when they are due."""
    stop = {"now": False}

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with command_container() as container:
        outbox = container.worker
        if drain:
            report = outbox.drain()
            click.echo(
                f"Delivered {report.delivered}, retrying later {report.retried}, "
                f"dead {report.dead}, scheduled jobs run {report.jobs}."
            )
            return
        click.echo(f"Worker {outbox.name} polling every {interval}s; Ctrl-C stops it.")
        while not stop["now"]:
            report = outbox.run_once()
            if report != DrainReport():
                click.echo(
                    f"delivered={report.delivered} retried={report.retried} dead={report.dead}"
                    f" jobs={report.jobs}"
                )
                continue
            time.sleep(interval)


def start_background_worker(outbox: OutboxWorker, interval: float = 1.0) -> None:
    """The demo's worker: a daemon thread in the web process, so awards become credentials
    without a second command. Production runs ``credbridge worker`` instead."""

    def loop() -> None:
        while True:
            try:
                if outbox.run_once().delivered == 0:
                    time.sleep(interval)
            except Exception:
                import logging

                logging.getLogger(__name__).exception("background worker round failed")
                time.sleep(interval)

    threading.Thread(target=loop, name="credbridge-worker", daemon=True).start()
