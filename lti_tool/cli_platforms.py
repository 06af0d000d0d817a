"""``credbridge platform``: register LMS platforms, list them, decide their deployments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from lti_tool.cli_support import command_container
from lti_tool.domain.errors import DomainError, NotFoundError, ValidationError
from lti_tool.domain.lti import Deployment
from lti_tool.services.platforms import OPERATOR, PlatformService, RegistrationSummary

OPTION_OF_FIELD = {
    "name": "--name",
    "issuer": "--issuer",
    "client_id": "--client-id",
    "auth_login_url": "--auth-login-url",
    "auth_token_url": "--token-url",
    "key_set_url": "--keyset-url",
    "key_set": "--keyset-file",
    "auth_audience": "--audience",
    "deployment_id": "--deployment-id",
}


def _located(problem: str) -> str:
    """``auth_token_url: ...`` -> ``--token-url: ...``: name the option the user typed."""
    field, separator, rest = problem.partition(":")
    option = OPTION_OF_FIELD.get(field)
    return f"{option}{separator}{rest}" if option and separator else problem


def _refusal(error: DomainError) -> click.ClickException:
    message = error.message
    if isinstance(error, NotFoundError):
        message += " See 'credbridge platform list' for the registration ids."
    if isinstance(error, ValidationError) and error.problems:
        message = (
            message.rstrip(".")
            + ":\n"
            + "\n".join(f"  {_located(problem)}" for problem in error.problems)
        )
    return click.ClickException(message)


@contextmanager
def _service() -> Iterator[tuple[PlatformService, str]]:
    """The service and the tool's base URL; domain errors become one clear message."""
    with command_container() as container:
        try:
            yield container.platforms, container.settings.base_url.rstrip("/")
        except DomainError as error:
            raise _refusal(error) from error


def _key_set(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path}: cannot be read as JSON: {error}") from error
    if isinstance(data, dict) and "keys" not in data and "kty" in data:
        return {"keys": [data]}  # one JWK pasted on its own
    if not isinstance(data, dict):
        raise click.ClickException(f'{path}: must hold a JWKS, a JSON object with a "keys" list.')
    return data


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _deployment_json(deployment: Deployment) -> dict[str, Any]:
    return {
        "deployment_id": deployment.deployment_id,
        "status": deployment.status.value,
        "first_seen_at": deployment.first_seen_at.isoformat(),
        "decided_at": deployment.decided_at.isoformat() if deployment.decided_at else None,
        "decided_by": deployment.decided_by,
    }


def _summary_json(summary: RegistrationSummary) -> dict[str, Any]:
    registration = summary.registration
    return {
        "id": registration.id,
        "name": registration.name,
        "issuer": registration.issuer,
        "client_id": registration.client_id,
        "auth_login_url": registration.auth_login_url,
        "auth_token_url": registration.auth_token_url,
        "key_set_url": registration.key_set_url,
        "key_set": registration.key_set,
        "auth_audience": registration.auth_audience,
        "auto_approve_deployments": registration.auto_approve_deployments,
        "product_family": registration.product_family,
        "created_at": registration.created_at.isoformat(),
        "deployments": [_deployment_json(item) for item in summary.deployments],
    }


def _echo_summary(summary: RegistrationSummary) -> None:
    registration = summary.registration
    if registration.key_set_url:
        keys = registration.key_set_url
    else:
        count = len((registration.key_set or {}).get("keys", []))
        keys = f"pasted key set ({count} key{'s' if count != 1 else ''})"
    click.echo(f"{registration.name}  (id {registration.id})")
    for label, value in (
        ("issuer", registration.issuer),
        ("client_id", registration.client_id),
        ("login URL", registration.auth_login_url),
        ("token URL", registration.auth_token_url),
        ("key set", keys),
        ("audience", registration.auth_audience or "(the token URL)"),
        (
            "new deployments",
            "approved automatically"
            if registration.auto_approve_deployments
            else "held for an admin",
        ),
    ):
        click.echo(f"  {label:<16} {value}")
    if not summary.deployments:
        click.echo("  deployments      none yet (the first launch records one)")
    for deployment in summary.deployments:
        click.echo(
            f"  deployment       {deployment.deployment_id}  {deployment.status.value}"
            f"  (first seen {_when(deployment.first_seen_at)}"
            + (f", decided {_when(deployment.decided_at)})" if deployment.decided_at else ")")
        )


@click.group()
def platform() -> None:
    """LMS platforms (LTI 1.3 registrations) and their deployments."""


@platform.command("add")
@click.option("--issuer", required=True, metavar="ISS", help="The platform's issuer (iss).")
@click.option("--client-id", required=True, metavar="ID", help="The client id the LMS gave us.")
@click.option(
    "--deployment-id",
    "deployment_ids",
    multiple=True,
    metavar="DEP",
    help="A deployment id to approve now (repeat for several).",
)
@click.option("--auth-login-url", required=True, metavar="URL", help="OIDC authorization URL.")
@click.option("--token-url", required=True, metavar="URL", help="OAuth2 token URL.")
@click.option("--keyset-url", metavar="URL", help="The platform's public key set (JWKS) URL.")
@click.option(
    "--keyset-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file holding the platform's JWKS, when it publishes no key set URL.",
)
@click.option("--audience", metavar="AUD", help="Token audience when not the token URL (D2L).")
@click.option(
    "--auto-approve-deployments",
    is_flag=True,
    help="Approve new deployment ids on their first launch instead of holding them.",
)
@click.option("--name", default="", metavar="NAME", help="Shown to admins.")
def platform_add(
    issuer: str,
    client_id: str,
    deployment_ids: tuple[str, ...],
    auth_login_url: str,
    token_url: str,
    keyset_url: str | None,
    keyset_file: Path | None,
    audience: str | None,
    auto_approve_deployments: bool,
    name: str,
) -> None:
    """Register a platform (one issuer + client_id) that may launch the tool."""
    key_set = _key_set(keyset_file) if keyset_file else None
    with _service() as (service, base_url):
        registration = service.register(
            name,
            issuer,
            client_id,
            auth_login_url,
            token_url,
            key_set_url=keyset_url,
            key_set=key_set,
            auth_audience=audience,
            deployment_ids=deployment_ids,
            auto_approve=auto_approve_deployments,
        )
    click.echo(f"Registered {registration.name} (id {registration.id}).")
    if deployment_ids:
        click.echo(f"Approved deployments: {', '.join(dict.fromkeys(deployment_ids))}.")
    if registration.auto_approve_deployments:
        click.echo("New deployment ids are approved on their first launch.")
    else:
        click.echo(
            "New deployment ids wait for an admin: 'credbridge platform approve' or "
            "Admin › Platforms."
        )
    click.echo("Give the LMS these tool URLs:")
    click.echo(f"  OIDC login URL   {base_url}/lti/login")
    click.echo(f"  redirect URL     {base_url}/lti/launch")
    click.echo(f"  public key set   {base_url}/.well-known/jwks.json")


@platform.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the registrations as JSON.")
def platform_list(as_json: bool) -> None:
    """Every registration with its deployments and their states."""
    with _service() as (service, _):
        summaries = service.registrations()
    if as_json:
        click.echo(json.dumps([_summary_json(item) for item in summaries], indent=2))
        return
    if not summaries:
        click.echo("No platforms yet: add one with 'credbridge platform add'.")
        return
    for number, summary in enumerate(summaries):
        if number:
            click.echo("")
        _echo_summary(summary)


def _decide(registration_id: str, deployment_id: str, approve: bool) -> None:
    with _service() as (service, _):
        registration = service.get(registration_id)
        deployment = service.decide(OPERATOR, registration_id, deployment_id, approve)
    click.echo(
        f"Deployment {deployment.deployment_id} of {registration.name} is "
        f"{deployment.status.value}."
    )


@platform.command("approve")
@click.argument("registration_id")
@click.argument("deployment_id")
def platform_approve(registration_id: str, deployment_id: str) -> None:
    """Let DEPLOYMENT_ID of a registration launch the tool."""
    _decide(registration_id, deployment_id, approve=True)


@platform.command("reject")
@click.argument("registration_id")
@click.argument("deployment_id")
def platform_reject(registration_id: str, deployment_id: str) -> None:
    """Refuse launches from DEPLOYMENT_ID of a registration."""
    _decide(registration_id, deployment_id, approve=False)
