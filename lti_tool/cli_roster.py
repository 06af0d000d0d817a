"""``credbridge roster``: import OneRoster CSV packages (and sync REST providers)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click

from lti_tool.bootstrap import Container
from lti_tool.cli_support import command_container
from lti_tool.domain.errors import DomainError
from lti_tool.domain.model import Organization
from lti_tool.domain.roles import OrganizationKind
from lti_tool.domain.roster.csv_rows import PackageError
from lti_tool.domain.roster.report import ImportReport, ReportStatus, Severity
from lti_tool.domain.roster.schedule import DEFAULT_EVERY, DEFAULT_FULL_EVERY, duration

PROGRESS_FROM_ROWS = 20_000
"""Smaller imports finish too fast for a progress bar to help."""
EXIT_NEEDS_CONFIRMATION = 3


@click.group()
def roster() -> None:
    """Roster commands (OneRoster CSV and REST): see docs/roster.md."""


def district(container: Container, slug: str | None) -> Organization:
    """The district the roster belongs to: ``--org`` (created when new), else the only one."""
    people = container.people
    if slug:
        found = people.organization_by_slug(slug)
        if found is not None:
            return found
        return people.add_organization(slug, OrganizationKind.DISTRICT, slug=slug)
    districts = people.organizations(OrganizationKind.DISTRICT)
    if len(districts) == 1:
        return districts[0]
    names = ", ".join(d.slug or d.name for d in districts) or "none yet"
    raise click.ClickException(
        f"Say which district this roster is for with --org SLUG (districts: {names}). A new "
        "slug creates the district."
    )


def print_report(report: ImportReport, as_json: bool) -> None:
    """The report as JSON, or as a summary and the located problems."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(f"{report.source} (OneRoster {report.version or '?'}): {report.summary()}")
        for problem in report.problems:
            mark = "error" if problem.severity is Severity.ERROR else "warning"
            click.echo(f"  {mark} {problem.code} {problem.where()}: {problem.message}")
        shown = len(report.problems)
        total = sum(report.problem_counts.values())
        if total > shown:
            click.echo(
                f"  ... and {total - shown} more problems of the same kinds (see the report)."
            )
        if report.message:
            click.echo(report.message)
        click.echo(f"Report {report.id}")
    if report.status is ReportStatus.FAILED:
        sys.exit(1)
    if report.status is ReportStatus.NEEDS_CONFIRMATION:
        sys.exit(EXIT_NEEDS_CONFIRMATION)


@roster.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--org", "org_slug", default=None, help="The district's slug (created if new).")
@click.option("--dry-run", is_flag=True, help="Check and count everything; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--confirm-deactivations",
    is_flag=True,
    help="Apply deactivations even above the safety threshold.",
)
def roster_import(
    path: Path, org_slug: str | None, dry_run: bool, as_json: bool, confirm_deactivations: bool
) -> None:
    """Import a OneRoster 1.0/1.1/1.2 CSV package (a zip or a folder), bulk or delta."""
    with command_container() as container:
        scope = district(container, org_slug)
        with container.roster_package(path) as package:
            try:
                total = package.estimate_rows()
            except PackageError:
                total = 0  # the import reports why
            if total < PROGRESS_FROM_ROWS:
                report = container.roster.import_source(
                    package,
                    scope.id,
                    dry_run=dry_run,
                    confirm_deactivations=confirm_deactivations,
                )
            else:
                with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
                    report = container.roster.import_source(
                        package,
                        scope.id,
                        dry_run=dry_run,
                        confirm_deactivations=confirm_deactivations,
                        progress=bar.update,
                    )
    print_report(report, as_json)


@roster.command("add-provider")
@click.argument("name")
@click.option("--org", "org_slug", default=None, help="The district's slug (created if new).")
@click.option("--version", "version", type=click.Choice(["1.1", "1.2"]), required=True)
@click.option("--base-url", required=True, help="The provider's root, before /ims/oneroster.")
@click.option("--client-id", required=True)
@click.option(
    "--secret",
    prompt=True,
    hide_input=True,
    envvar="CREDBRIDGE_ROSTER_SECRET",
    help="Asked for when not given (or from CREDBRIDGE_ROSTER_SECRET); stored encrypted.",
)
@click.option("--token-url", default=None, help="OneRoster 1.2: the OAuth 2 token endpoint.")
@click.option("--scope", "scopes", default=None, help="OneRoster 1.2: scopes (roster-core).")
@click.option("--signature", type=click.Choice(["HMAC-SHA256", "HMAC-SHA1"]), default="HMAC-SHA256")
def add_provider(
    name: str,
    org_slug: str | None,
    version: str,
    base_url: str,
    client_id: str,
    secret: str,
    token_url: str | None,
    scopes: str | None,
    signature: str,
) -> None:
    """Register a OneRoster REST provider to sync from."""
    with command_container() as container:
        scope = district(container, org_slug)
        try:
            container.roster_sync.add_provider(
                name,
                scope.id,
                version,
                base_url,
                client_id,
                secret,
                token_url=token_url,
                scopes=scopes,
                signature_method=signature,
            )
        except DomainError as error:
            problems = getattr(error, "problems", [])
            raise click.ClickException("\n  ".join([error.message, *problems])) from error
    click.echo(
        f"Roster provider {name} added for {scope.name}. `credbridge worker` syncs it every "
        f"{duration(DEFAULT_EVERY)} and in full every {duration(DEFAULT_FULL_EVERY)}, starting "
        f"now (change it: credbridge roster schedule {name})."
    )


@roster.command("sync")
@click.argument("provider")
@click.option("--full", is_flag=True, help="Read everything, not only changes, and reconcile.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--confirm-deactivations", is_flag=True)
def sync(provider: str, full: bool, as_json: bool, confirm_deactivations: bool) -> None:
    """Sync from a OneRoster REST provider; after a crash, the same command resumes."""
    with command_container() as container:
        try:
            report = container.roster_sync.sync(
                provider, full=full, confirm_deactivations=confirm_deactivations
            )
        except DomainError as error:
            raise click.ClickException(error.message) from error
    print_report(report, as_json)


@roster.command("schedule")
@click.argument("provider", required=False)
@click.option("--every", type=click.IntRange(min=5), help="Minutes between incremental syncs.")
@click.option("--full-every", type=click.IntRange(min=1), help="Hours between full syncs.")
@click.option("--on/--off", "enabled", default=None, help="Let the worker run it, or not.")
@click.option("--full-now", is_flag=True, help="Make the next run a full one, due now.")
def schedule(
    provider: str | None,
    every: int | None,
    full_every: int | None,
    enabled: bool | None,
    full_now: bool,
) -> None:
    """Show (or change) when `credbridge worker` syncs each provider."""
    with command_container() as container:
        scheduler = container.roster_schedule
        try:
            if provider is None:
                shown = scheduler.all()
            else:
                shown = [
                    scheduler.set(
                        provider,
                        every=timedelta(minutes=every) if every else None,
                        full_every=timedelta(hours=full_every) if full_every else None,
                        enabled=enabled,
                        full_now=full_now,
                    )
                ]
        except DomainError as error:
            problems = getattr(error, "problems", [])
            raise click.ClickException("\n  ".join([error.message, *problems])) from error
    for item in shown:
        last = (
            f"last run {item.last_status} at {item.last_finished_at:%Y-%m-%d %H:%M} UTC"
            if item.last_finished_at
            else "never run"
        )
        if item.failures:
            last += f" (failed {item.failures}x in a row: {item.last_error})"
        upcoming = min(item.next_run_at, item.next_full_at)
        kind = "full" if item.full_due(upcoming) else "incremental"
        click.echo(
            f"{item.provider}: {item.summary()}; next {kind} run {upcoming:%Y-%m-%d %H:%M} UTC; "
            f"{last}"
        )
    if not shown:
        click.echo("No roster providers yet (credbridge roster add-provider).")


@roster.command("lms-sync")
@click.option("--platform", "registration_id", required=True, help="The LMS registration's id.")
@click.option("--memberships-url", required=True, help="The course's NRPS memberships URL.")
@click.option("--class", "class_sourced_id", required=True, help="The SIS class's sourcedId.")
@click.option("--org", "org_slug", default=None, help="The district's slug.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def lms_sync(
    registration_id: str,
    memberships_url: str,
    class_sourced_id: str,
    org_slug: str | None,
    as_json: bool,
) -> None:
    """Make a SIS class's enrollments what its LMS course lists (LTI NRPS)."""
    with command_container() as container:
        scope = district(container, org_slug)
        try:
            registration = container.platforms.get(registration_id)
            report = container.roster_lms.sync_course(
                registration, memberships_url, scope.id, class_sourced_id
            )
        except DomainError as error:
            raise click.ClickException(error.message) from error
    print_report(report, as_json)
