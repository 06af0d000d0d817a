"""The ``credbridge`` command. Like the web layer, it only turns input into service calls."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click

from lti_tool.cli_badges import credentials, issuers, worker
from lti_tool.cli_canvas import canvas
from lti_tool.cli_credit import credit, stipends
from lti_tool.cli_delivery import connections, deliveries
from lti_tool.cli_keys import keys
from lti_tool.cli_platforms import platform
from lti_tool.cli_roster import roster
from lti_tool.cli_support import command_container, database_errors, settings_or_exit
from lti_tool.clock import ShiftableClock
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.errors import ValidationError

_settings = settings_or_exit


@click.group()
@click.version_option(package_name="credbridge")
def main() -> None:
    """credbridge: educator micro-credentials inside the LMS.

    Every command reads its configuration from the environment (DATABASE_URL,
    CREDBRIDGE_BASE_URL, SECRET_KEY, ...): see README.md.
    """


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database (DATABASE_URL) to the newest schema."""
    from lti_tool.db.migrate import upgrade

    settings = _settings()
    with database_errors():
        upgrade(settings.database_url, revision)
    click.echo(f"Database is at {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (e.g. base)."""
    from lti_tool.db.migrate import downgrade

    settings = _settings()
    with database_errors():
        downgrade(settings.database_url, revision)
    click.echo(f"Database is at {revision}.")


@main.group()
def catalog() -> None:
    """Catalog commands."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def catalog_import(path: Path, as_json: bool) -> None:
    """Load stacks and credentials from a YAML or JSON file. Importing twice changes nothing."""
    from lti_tool.demo import load_catalog_file

    try:
        data = load_catalog_file(path)
    except Exception as error:
        raise click.ClickException(f"{path}: cannot be read as YAML or JSON: {error}") from error
    try:
        document = parse_catalog(data)
    except ValidationError as error:
        lines = "\n".join(f"  {path}: {problem}" for problem in error.problems)
        raise click.ClickException(f"{error.message}:\n{lines}") from error
    with command_container() as container:
        report = container.catalog.import_document(document)
    if as_json:
        click.echo(json.dumps(report.__dict__, indent=2))
    else:
        click.echo(f"{path}: {report.summary()}")


@main.command()
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Catalog to load (default config/catalog/demo.yaml).",
)
def demo(catalog_path: Path | None) -> None:
    """Load the demo district: people in every role, submissions in every state."""
    from lti_tool.demo import DEMO_CATALOG_NAME, default_catalog, load_demo, register_demo_lms

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("The demo district is not loaded in production.")
    catalog_file = catalog_path or default_catalog()
    if catalog_file is None:
        raise click.ClickException(
            f"Cannot find {DEMO_CATALOG_NAME} here or in the source checkout: run from the "
            "repository folder or pass --catalog PATH."
        )
    clock = ShiftableClock()
    with command_container(settings, clock=clock) as container:
        report = load_demo(container, clock, catalog_file)
        issued = container.worker.drain() if report.loaded else None
        register_demo_lms(container)
    lms_line = f"The demo LMS is ready: open {settings.base_url}/demo-lms/ and launch credbridge."
    if not report.loaded:
        click.echo("The demo district is already loaded: nothing to do.")
        click.echo(lms_line)
        return
    click.echo(f"Loaded the demo district: {len(report.people)} people.")
    for description, state in report.states.items():
        click.echo(f"  {description}: {state.value}")
    if issued is not None:
        click.echo(f"Open Badges issued for the demo's awards: {issued.delivered}")
    click.echo(lms_line)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app: gunicorn in production, Flask's server for local and demo use."""
    settings = _settings()
    if settings.is_production:
        gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
        config = Path("config/gunicorn.conf.py")
        args = [gunicorn, "--bind", f"{host}:{port}"]
        if config.exists():
            args += ["--config", str(config)]
        os.execv(gunicorn, [*args, "lti_tool.web.app:create_app()"])  # noqa: S606
    from lti_tool.web.app import create_app

    app = create_app(settings)
    if settings.worker_in_process:
        from lti_tool.cli_badges import start_background_worker

        start_background_worker(app.extensions["credbridge"].worker)
    click.echo(f"credbridge on http://{host}:{port}  (demo LMS at /demo-lms: {settings.demo_mode})")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


main.add_command(keys)
main.add_command(platform)
main.add_command(credentials)
main.add_command(issuers)
main.add_command(worker)
main.add_command(roster)
main.add_command(canvas)
main.add_command(credit)
main.add_command(stipends)
main.add_command(connections)
main.add_command(deliveries)
