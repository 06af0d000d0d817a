"""``credbridge credit`` and ``credbridge stipends``: check rule files, set a district's
jurisdiction, re-evaluate an award, export payroll and import the paid file, list and close HR
reviews of stipends whose credential was revoked after export or payment. The command line
acts as the operator (audited with no person)."""

from __future__ import annotations

from pathlib import Path

import click

from lti_tool.bootstrap import Container
from lti_tool.cli_support import command_container, domain_errors
from lti_tool.domain.model import Organization


def _organization(container: Container, slug: str) -> Organization:
    found = container.people.organization_by_slug(slug)
    if found is None:
        known = ", ".join(o.slug for o in container.people.organizations() if o.slug) or "none"
        raise click.ClickException(f"No organisation {slug!r} (slugs: {known}).")
    return found


@click.group()
def credit() -> None:
    """Re-licensure credit: see docs/credit-and-stipends.md."""


@credit.group("rules")
def rules() -> None:
    """The rule files in config/credit_rules (CREDBRIDGE_CREDIT_RULES moves them)."""


@rules.command("check")
def rules_check() -> None:
    """Validate every rule file; each problem names its file and field. Exit 1 on problems."""
    with command_container() as container:
        loaded, problems = container.credit.check_rules()
    for code, jurisdiction in sorted(loaded.items()):
        versions = ", ".join(
            f"{v.version} from {v.effective_from} ({v.requirement} {v.unit} / {v.cycle_years} y)"
            for v in jurisdiction.versions
        )
        click.echo(f"{code} {jurisdiction.name}: {versions}")
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise SystemExit(1)


@credit.command("configure")
@click.argument("org_slug")
@click.argument("jurisdiction")
@click.option("--cycle-start", default="", help="First day of one renewal cycle (YYYY-MM-DD).")
@click.option("--currency", default="USD", show_default=True)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Payroll column template: one 'Header = field' per line.",
)
def configure(
    org_slug: str, jurisdiction: str, cycle_start: str, currency: str, template: Path | None
) -> None:
    """Teachers of ORG_SLUG (and the schools below it) earn JURISDICTION credit."""
    with command_container() as container, domain_errors():
        org = _organization(container, org_slug)
        text = template.read_text(encoding="utf-8") if template else ""
        saved = container.credit_admin.configure(
            None, org.id, jurisdiction, cycle_start, currency, text
        )
    click.echo(f"{org.name}: {saved.jurisdiction}, {saved.currency}.")


@credit.command("reevaluate")
@click.argument("award_id")
@click.option("--note", required=True, help="Why (kept in the audit trail).")
def reevaluate(award_id: str, note: str) -> None:
    """Replace an award's credit lines under today's rules; the old ones stay, superseded."""
    with command_container() as container, domain_errors():
        lines = container.credit.reevaluate(None, award_id, note)
    for line in lines:
        click.echo(
            f"{line.amount} {line.unit} {line.jurisdiction} {line.category} ({line.rule_version})"
        )
    if not lines:
        click.echo("No credit under today's rules (see the audit trail for why).")


@click.group()
def stipends() -> None:
    """The stipend ledger's payroll files: see docs/credit-and-stipends.md."""


@stipends.command("export")
@click.option("--district", "district", required=True, help="The district's slug.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export(district: str, out: Path) -> None:
    """Write the district's approved stipends in its payroll template; they become exported."""
    if out.exists():
        raise click.ClickException(f"{out} exists: payroll files are never overwritten.")
    with command_container() as container, domain_errors():
        done = container.payroll.export(None, _organization(container, district).id)
        out.write_text(done.text, encoding="utf-8", newline="")
    click.echo(f"{done.rows} row(s) exported in batch {done.batch} to {out}.")


@stipends.command("import-paid")
@click.argument("paid_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--district", "district", required=True, help="The district's slug.")
def import_paid(paid_file: Path, district: str) -> None:
    """Mark the stipends the paid file lists paid; any problem changes nothing (exit 1)."""
    try:
        text = paid_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{paid_file} is not UTF-8 CSV.") from error
    with command_container() as container, domain_errors():
        report = container.payroll.import_paid(None, _organization(container, district).id, text)
    click.echo(f"{report.paid} marked paid; {report.already_paid} were already paid.")


@stipends.command("reviews")
@click.option("--district", "district", default="", help="Only this district (its slug).")
@click.option("--all", "everything", is_flag=True, help="Closed reviews too.")
def reviews(district: str, everything: bool) -> None:
    """Stipends whose credential was revoked after export or payment, oldest first."""
    with command_container() as container, domain_errors():
        district_id = _organization(container, district).id if district else None
        found = container.stipends.reviews(None, district_id, open_only=not everything)
    for item in found:
        review, stipend = item.review, item.ledger.row.stipend
        status = f"closed: {review.resolution}" if not review.open else "open"
        click.echo(
            f"{review.id}  {review.label}  {item.ledger.educator}  {item.ledger.credential}  "
            f"{stipend.amount} {stipend.currency}  now {item.ledger.row.latest.state.value}  "
            f"{review.raised_at:%Y-%m-%d}  {review.note}  [{status}]"
        )
    if not found:
        click.echo("No stipends waiting for HR review.")


@stipends.command("resolve-review")
@click.argument("review_id")
@click.option("--note", required=True, help="What was done (clawed back, waived, ...).")
def resolve_review(review_id: str, note: str) -> None:
    """Close an HR review with what was done; audited."""
    with command_container() as container, domain_errors():
        container.stipends.resolve_review(None, review_id, note)
    click.echo("Review closed.")
