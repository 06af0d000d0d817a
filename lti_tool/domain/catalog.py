"""Micro-credential definitions: stacks, credentials, rubric sections, levels and evidence.

A catalog file (YAML or JSON, parsed by the caller) becomes a :class:`CatalogDocument` through
:func:`parse_catalog`, which reports every problem with its location (``stacks[0].credentials[2]
.sections[1].required_level``) instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lti_tool.domain.catalog_badge import (
    ALIGNMENT_FIELDS,
    CREDIT_FIELDS,
    Alignment,
    NominalCredit,
    badge_fields_to_dict,
    parse_alignments,
    parse_credit,
)
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.media import ALL_FAMILIES, MediaFamily

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_ATTEMPT_CAP = 10


class EvidenceKind(StrEnum):
    """How a piece of evidence is given."""

    FILE = "file"
    LINK = "link"
    REFLECTION = "reflection"


@dataclass(frozen=True)
class RubricLevel:
    """One level of a rubric section, in ascending order of quality."""

    key: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class EvidenceRequirement:
    """What a section asks the educator to provide."""

    key: str
    kind: EvidenceKind
    label: str
    required: bool = True
    accepts: tuple[MediaFamily, ...] = ()
    guidance: str = ""


@dataclass(frozen=True)
class RubricSection:
    """A part of the submission that assessors score at one of its levels."""

    key: str
    title: str
    prompt: str
    evidence: tuple[EvidenceRequirement, ...]
    levels: tuple[RubricLevel, ...]
    required_level: str

    def level(self, key: str) -> RubricLevel:
        for level in self.levels:
            if level.key == key:
                return level
        raise ValidationError(f"Section {self.title!r} has no level {key!r}")

    def rank(self, level_key: str) -> int:
        """Position of a level, 0 = lowest."""
        return self.levels.index(self.level(level_key))

    def meets_required(self, level_key: str) -> bool:
        return self.rank(level_key) >= self.rank(self.required_level)

    def requirement(self, key: str) -> EvidenceRequirement:
        for requirement in self.evidence:
            if requirement.key == key:
                return requirement
        raise ValidationError(f"Section {self.title!r} asks for no evidence named {key!r}")

    @property
    def accepted_families(self) -> frozenset[MediaFamily]:
        return frozenset(
            family
            for requirement in self.evidence
            if requirement.kind is EvidenceKind.FILE
            for family in requirement.accepts
        )


@dataclass(frozen=True)
class CredentialDefinition:
    """One micro-credential: one competency, its method, research, and rubric."""

    slug: str
    title: str
    competency: str
    key_method: str
    sections: tuple[RubricSection, ...]
    supporting_research: tuple[str, ...] = ()
    summary: str = ""
    edition: str | None = None
    """The author's own version label from the catalog file, shown beside our version number."""
    attempt_cap: int | None = None
    double_review: bool | None = None
    blind_review: bool | None = None
    alignments: tuple[Alignment, ...] = ()
    credit: NominalCredit | None = None
    """The provider's stated credit; state and district rules convert it (issue 7)."""

    def section(self, key: str) -> RubricSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise ValidationError(f"Credential {self.title!r} has no section {key!r}")

    def fingerprint(self) -> str:
        """A SHA-256 of the content: equal fingerprints mean nothing changed."""
        canonical = json.dumps(credential_to_dict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StackDefinition:
    """A thematic group of credentials an educator may earn whole or in part."""

    slug: str
    title: str
    description: str
    credentials: tuple[CredentialDefinition, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CatalogDocument:
    stacks: tuple[StackDefinition, ...]


FIELDS = {
    "catalog": {"stacks"},
    "stack": {"slug", "title", "description", "credentials"},
    "credential": {
        "slug",
        "title",
        "summary",
        "competency",
        "key_method",
        "supporting_research",
        "version",
        "attempt_cap",
        "double_review",
        "blind_review",
        "sections",
        "alignments",
        "credit",
    },
    "section": {"key", "title", "prompt", "evidence", "rubric"},
    "evidence": {"key", "kind", "label", "required", "accepts", "guidance"},
    "rubric": {"levels", "required_level"},
    "level": {"key", "label", "description"},
    "alignment": ALIGNMENT_FIELDS,
    "credit": CREDIT_FIELDS,
}


class _Problems:
    """Collects located problems so one import run reports all of them."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def known_fields(self, data: dict[str, Any], kind: str, where: str) -> None:
        """A misspelt field would silently fall back to its default: report it instead."""
        allowed = FIELDS[kind]
        for name in data:
            if str(name) not in allowed:
                close = difflib.get_close_matches(str(name), sorted(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.add(f"{where}.{name}", f"is not a field of a {kind}{hint}")

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(f"{where}.{key}", "is required")
            return ""
        if not isinstance(value, str | int | float):
            self.add(f"{where}.{key}", f"must be text, got {type(value).__name__}")
            return ""
        return str(value).strip()

    def identifier(
        self, data: dict[str, Any], key: str, where: str, pattern: re.Pattern[str]
    ) -> str:
        value = self.text(data, key, where)
        if value and not pattern.match(value):
            self.add(
                f"{where}.{key}",
                f"{value!r} must be lower-case letters, digits, '-' (or '_' for keys), up to 63",
            )
        return value

    def mapping_list(self, data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.add(f"{where}.{key}", "must be a non-empty list")
            return []
        good: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.add(f"{where}.{key}[{index}]", "must be a mapping")
        return good

    def optional_bool(self, data: dict[str, Any], key: str, where: str) -> bool | None:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.add(f"{where}.{key}", f"must be true or false, got {value!r}")
        return None


def _unique(problems: _Problems, keys: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key and key in seen:
            problems.add(where, f"{what} {key!r} appears twice")
        seen.add(key)


def _parse_evidence(problems: _Problems, data: dict[str, Any], where: str) -> EvidenceRequirement:
    problems.known_fields(data, "evidence", where)
    key = problems.identifier(data, "key", where, KEY)
    raw_kind = problems.text(data, "kind", where)
    kind_known = True
    try:
        kind = EvidenceKind(raw_kind.lower()) if raw_kind else EvidenceKind.REFLECTION
    except ValueError:
        problems.add(f"{where}.kind", f"{raw_kind!r} is not one of file, link, reflection")
        kind, kind_known = EvidenceKind.REFLECTION, False
    accepts: list[MediaFamily] = []
    raw_accepts = data.get("accepts", [] if kind is not EvidenceKind.FILE else list(ALL_FAMILIES))
    if not isinstance(raw_accepts, list):
        problems.add(f"{where}.accepts", "must be a list")
        raw_accepts = []
    for index, name in enumerate(raw_accepts):
        try:
            accepts.append(MediaFamily(str(name).lower()))
        except ValueError:
            allowed = ", ".join(family.value for family in MediaFamily)
            problems.add(f"{where}.accepts[{index}]", f"{name!r} is not one of {allowed}")
    if accepts and kind is not EvidenceKind.FILE and kind_known and raw_kind:
        problems.add(f"{where}.accepts", "only file evidence accepts media types")
    if kind is EvidenceKind.FILE and isinstance(raw_accepts, list) and not raw_accepts:
        problems.add(
            f"{where}.accepts", "must list at least one media type (or be left out for all)"
        )
    required = problems.optional_bool(data, "required", where)
    return EvidenceRequirement(
        key=key,
        kind=kind,
        label=problems.text(data, "label", where),
        required=True if required is None else required,
        accepts=tuple(accepts),
        guidance=problems.text(data, "guidance", where, required=False),
    )


def _parse_section(problems: _Problems, data: dict[str, Any], where: str) -> RubricSection:
    problems.known_fields(data, "section", where)
    key = problems.identifier(data, "key", where, KEY)
    evidence = tuple(
        _parse_evidence(problems, item, f"{where}.evidence[{index}]")
        for index, item in enumerate(problems.mapping_list(data, "evidence", where))
    )
    _unique(problems, [item.key for item in evidence], f"{where}.evidence", "evidence key")
    rubric = data.get("rubric")
    levels: tuple[RubricLevel, ...] = ()
    required_level = ""
    if not isinstance(rubric, dict):
        problems.add(f"{where}.rubric", "is required (levels and required_level)")
    else:
        problems.known_fields(rubric, "rubric", f"{where}.rubric")
        level_items = problems.mapping_list(rubric, "levels", f"{where}.rubric")
        for index, item in enumerate(level_items):
            problems.known_fields(item, "level", f"{where}.rubric.levels[{index}]")
        levels = tuple(
            RubricLevel(
                key=problems.identifier(item, "key", f"{where}.rubric.levels[{index}]", KEY),
                label=problems.text(item, "label", f"{where}.rubric.levels[{index}]"),
                description=problems.text(
                    item, "description", f"{where}.rubric.levels[{index}]", required=False
                ),
            )
            for index, item in enumerate(level_items)
        )
        if level_items and len(levels) < 2:
            problems.add(f"{where}.rubric.levels", "needs at least two levels")
        _unique(problems, [level.key for level in levels], f"{where}.rubric.levels", "level")
        required_level = problems.text(rubric, "required_level", f"{where}.rubric")
        if required_level and levels and required_level not in {level.key for level in levels}:
            problems.add(
                f"{where}.rubric.required_level",
                f"{required_level!r} is not one of the section's levels "
                f"({', '.join(level.key for level in levels)})",
            )
    return RubricSection(
        key=key,
        title=problems.text(data, "title", where),
        prompt=problems.text(data, "prompt", where, required=False),
        evidence=evidence,
        levels=levels,
        required_level=required_level,
    )


def _parse_credential(
    problems: _Problems, data: dict[str, Any], where: str
) -> CredentialDefinition:
    problems.known_fields(data, "credential", where)
    sections = tuple(
        _parse_section(problems, item, f"{where}.sections[{index}]")
        for index, item in enumerate(problems.mapping_list(data, "sections", where))
    )
    _unique(problems, [section.key for section in sections], f"{where}.sections", "section key")
    research = data.get("supporting_research", [])
    if isinstance(research, str):
        research = [research]
    if not isinstance(research, list) or not all(isinstance(item, str) for item in research):
        problems.add(f"{where}.supporting_research", "must be a list of text")
        research = []
    attempt_cap = data.get("attempt_cap")
    if attempt_cap is not None and (
        isinstance(attempt_cap, bool)
        or not isinstance(attempt_cap, int)
        or not 1 <= attempt_cap <= MAX_ATTEMPT_CAP
    ):
        problems.add(f"{where}.attempt_cap", f"must be a whole number from 1 to {MAX_ATTEMPT_CAP}")
        attempt_cap = None
    edition = data.get("version")
    return CredentialDefinition(
        slug=problems.identifier(data, "slug", where, SLUG),
        title=problems.text(data, "title", where),
        summary=problems.text(data, "summary", where, required=False),
        competency=problems.text(data, "competency", where),
        key_method=problems.text(data, "key_method", where),
        supporting_research=tuple(item.strip() for item in research),
        sections=sections,
        edition=None if edition is None else str(edition),
        attempt_cap=attempt_cap,
        double_review=problems.optional_bool(data, "double_review", where),
        blind_review=problems.optional_bool(data, "blind_review", where),
        alignments=parse_alignments(problems, data, where),
        credit=parse_credit(problems, data, where),
    )


def parse_catalog(data: object) -> CatalogDocument:
    """Validate a parsed catalog file and build its definitions.

    Raises:
        ValidationError: with every located problem in ``problems``.
    """
    problems = _Problems()
    if not isinstance(data, dict):
        raise ValidationError(
            "The catalog must be a mapping with a 'stacks' list", ["(top): not a mapping"]
        )
    problems.known_fields(data, "catalog", "catalog")
    stacks: list[StackDefinition] = []
    for index, item in enumerate(problems.mapping_list(data, "stacks", "catalog")):
        where = f"stacks[{index}]"
        problems.known_fields(item, "stack", where)
        credentials = tuple(
            _parse_credential(problems, credential, f"{where}.credentials[{position}]")
            for position, credential in enumerate(problems.mapping_list(item, "credentials", where))
        )
        stacks.append(
            StackDefinition(
                slug=problems.identifier(item, "slug", where, SLUG),
                title=problems.text(item, "title", where),
                description=problems.text(item, "description", where, required=False),
                credentials=credentials,
            )
        )
    _unique(problems, [stack.slug for stack in stacks], "stacks", "stack slug")
    _unique(
        problems,
        [credential.slug for stack in stacks for credential in stack.credentials],
        "stacks[*].credentials",
        "credential slug",
    )
    if problems.items:
        count = len(problems.items)
        raise ValidationError(
            f"The catalog has {count} problem{'s' if count != 1 else ''}", problems.items
        )
    return CatalogDocument(stacks=tuple(stacks))


def credential_to_dict(credential: CredentialDefinition) -> dict[str, Any]:
    """A JSON-ready form of a definition; :func:`credential_from_dict` reads it back."""
    return {
        "slug": credential.slug,
        "title": credential.title,
        "summary": credential.summary,
        "competency": credential.competency,
        "key_method": credential.key_method,
        "supporting_research": list(credential.supporting_research),
        "version": credential.edition,
        "attempt_cap": credential.attempt_cap,
        "double_review": credential.double_review,
        "blind_review": credential.blind_review,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "prompt": section.prompt,
                "evidence": [
                    {
                        "key": item.key,
                        "kind": item.kind.value,
                        "label": item.label,
                        "required": item.required,
                        "accepts": [family.value for family in item.accepts],
                        "guidance": item.guidance,
                    }
                    for item in section.evidence
                ],
                "rubric": {
                    "levels": [
                        {"key": level.key, "label": level.label, "description": level.description}
                        for level in section.levels
                    ],
                    "required_level": section.required_level,
                },
            }
            for section in credential.sections
        ],
        **badge_fields_to_dict(credential.alignments, credential.credit),
    }


def credential_from_dict(data: dict[str, Any]) -> CredentialDefinition:
    """Rebuild a stored definition (it was validated when imported)."""
    problems = _Problems()
    credential = _parse_credential(problems, data, "credential")
    if problems.items:
        raise ValidationError("A stored credential definition is invalid", problems.items)
    return credential
