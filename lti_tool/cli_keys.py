"""``credbridge keys``: list and rotate the tool's signing keys. Never prints private material."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from lti_tool.cli_support import command_container
from lti_tool.domain.lti import ToolKeyState
from lti_tool.lti.keys import ToolKeyService


@contextmanager
def _service() -> Iterator[ToolKeyService]:
    with command_container() as container:
        yield container.tool_keys


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@click.group()
def keys() -> None:
    """The tool's RSA signing keys (published at /.well-known/jwks.json)."""


@keys.command("list")
def keys_list() -> None:
    """Every key, oldest first: kid, state, created, activated, retired."""
    with _service() as service:
        listed = service.keys()
        if not listed:
            click.echo("No keys yet: the first one is made when the tool first signs.")
            return
        nothing_active = not any(key.state is ToolKeyState.ACTIVE for key in listed)
        first_waiting = next((key for key in listed if key.state is ToolKeyState.NEXT), None)
        click.echo(f"{'kid':<44} {'state':<8} {'created':<24} {'activated':<24} retired")
        for key in listed:
            line = (
                f"{key.kid:<44} {key.state.value:<8} {_when(key.created_at):<24} "
                f"{_when(key.activated_at):<24} {_when(key.retired_at)}"
            )
            if nothing_active and key is first_waiting:
                line += "  (signs from the tool's first signature)"
            elif key.state is ToolKeyState.NEXT:
                line += f"  (signs from {_when(service.starts_signing_at(key))})"
            click.echo(line)


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new key: published in the JWKS now, signing once the publish delay has passed."""
    with _service() as service:
        existing = service.keys()
        anything_active = any(key.state is ToolKeyState.ACTIVE for key in existing)
        waiting = [key for key in existing if key.state is ToolKeyState.NEXT]
        key = service.rotate()
        click.echo(f"New key {key.kid} is published in the JWKS.")
        starts = f"{_when(service.starts_signing_at(key))} (after {service.publish_delay})"
        if anything_active:
            click.echo(
                f"It starts signing at {starts}; the key signing now stays published for "
                f"{service.retire_window} after that."
            )
        elif waiting:
            click.echo(
                f"No key signs yet: {waiting[0].kid} starts signing the first time the tool "
                f"signs, and this one at {starts}."
            )
        else:
            click.echo("No key signs yet, so it starts signing the first time the tool signs.")
