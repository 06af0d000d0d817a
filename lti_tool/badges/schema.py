"""JSON Schema validation (draft 2019-09) against vendored schemas only.

Every ``$ref`` resolves from the schemas listed in ``vendor/manifest.json`` (``kind:
"schema"``) or handed in by the caller; any other URI fails with
:class:`SchemaUnavailableError` instead of a download. Problems come back located (a JSON
path such as ``$.credentialSubject.achievement``) so a page can point at the field.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from types import MappingProxyType
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT201909

from lti_tool.badges.jsonld import manifest

ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class SchemaUnavailableError(Exception):
    """A schema (or a ``$ref`` inside one) is not vendored; nothing was fetched."""

    def __init__(self, uri: str) -> None:
        super().__init__(
            f"JSON Schema {uri!r} is not vendored in lti_tool/badges/vendor; "
            "refusing to fetch it (no network, ever)"
        )
        self.uri = uri


@dataclass(frozen=True)
class SchemaProblem:
    """One failed schema rule: where (JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@functools.cache
def vendored_schemas() -> Mapping[str, Any]:
    """The vendored schemas by their ``$id`` URL (empty when none is vendored); read once."""
    schemas: dict[str, Any] = {}
    for entry in manifest():
        if entry.get("kind") == "schema":
            path = resources.files("lti_tool.badges").joinpath("vendor", entry["file"])
            schemas[entry["url"]] = json.loads(path.read_bytes())
    return MappingProxyType(schemas)


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    # The stock checker skips date-time without an optional package; the OB dates matter.
    checker.checks("date-time")(_date_time)
    return checker


def _validator(
    schema: Mapping[str, Any], extra_schemas: Mapping[str, Any] | None
) -> Draft201909Validator:
    known = {**vendored_schemas(), **(extra_schemas or {})}
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(contents, default_specification=DRAFT201909))
        for uri, contents in known.items()
    )
    return Draft201909Validator(dict(schema), registry=registry, format_checker=_format_checker())


@functools.cache
def _vendored_validator(schema_url: str) -> Draft201909Validator:
    return _validator(vendored_schemas()[schema_url], None)


def _problems(validator: Draft201909Validator, instance: Any) -> list[SchemaProblem]:
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.path))
    except Unresolvable as error:
        # The registry has no retrieval function: an unknown $ref fails here, unfetched.
        raise SchemaUnavailableError(str(getattr(error, "ref", error))) from error
    return [SchemaProblem(error.json_path, error.message) for error in errors]


def validate(
    instance: Any, schema: Mapping[str, Any], extra_schemas: Mapping[str, Any] | None = None
) -> list[SchemaProblem]:
    """Validate ``instance`` against ``schema`` (draft 2019-09), refs from vendored schemas only.

    Args:
        instance: the JSON value to check.
        schema: the schema to apply.
        extra_schemas: further schemas by URI that ``$ref`` may name (tests, extensions).

    Raises:
        SchemaUnavailableError: a ``$ref`` names a schema that is neither vendored nor given.
    """
    return _problems(_validator(schema, extra_schemas), instance)


def validate_credential(
    credential: Mapping[str, Any], schema_url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA
) -> list[SchemaProblem]:
    """Validate against a vendored schema (by default the official AchievementCredential one).

    Raises:
        SchemaUnavailableError: that schema is not vendored.
    """
    if schema_url not in vendored_schemas():
        raise SchemaUnavailableError(schema_url)
    return _problems(_vendored_validator(schema_url), credential)
