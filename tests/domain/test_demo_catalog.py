"""The demo catalog shipped in config/catalog/demo.yaml parses and exercises every option."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lti_tool.domain.catalog import CatalogDocument, EvidenceKind, parse_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CATALOG = REPO_ROOT / "config" / "catalog" / "demo.yaml"


def load_demo() -> CatalogDocument:
    with DEMO_CATALOG.open(encoding="utf-8") as handle:
        return parse_catalog(yaml.safe_load(handle))


@pytest.fixture(scope="module")
def demo() -> CatalogDocument:
    return load_demo()


def test_demo_has_at_least_two_stacks_of_three_credentials(demo: CatalogDocument) -> None:
    assert len(demo.stacks) >= 2
    for stack in demo.stacks:
        assert len(stack.credentials) >= 3, stack.slug


def test_every_credential_is_complete(demo: CatalogDocument) -> None:
    for stack in demo.stacks:
        for credential in stack.credentials:
            assert len(credential.sections) >= 2, credential.slug
            assert credential.title and credential.competency and credential.key_method
            assert credential.summary, credential.slug
            assert 2 <= len(credential.supporting_research) <= 4, credential.slug
            assert credential.edition == "1.0", credential.slug


def test_every_required_level_is_one_of_its_sections_levels(demo: CatalogDocument) -> None:
    for stack in demo.stacks:
        for credential in stack.credentials:
            for section in credential.sections:
                keys = [level.key for level in section.levels]
                assert section.required_level in keys, (credential.slug, section.key)
                assert section.level(section.required_level).key == section.required_level
                assert section.meets_required(keys[-1])
                assert section.evidence, (credential.slug, section.key)


def test_demo_uses_every_evidence_kind_and_optional_evidence(demo: CatalogDocument) -> None:
    requirements = [
        requirement
        for stack in demo.stacks
        for credential in stack.credentials
        for section in credential.sections
        for requirement in section.evidence
    ]
    assert {requirement.kind for requirement in requirements} == set(EvidenceKind)
    assert any(not requirement.required for requirement in requirements)
    for requirement in requirements:
        if requirement.kind is EvidenceKind.FILE:
            assert requirement.accepts, requirement.key
        else:
            assert requirement.accepts == (), requirement.key


def test_demo_overrides_each_review_setting(demo: CatalogDocument) -> None:
    credentials = [credential for stack in demo.stacks for credential in stack.credentials]
    assert any(credential.attempt_cap is not None for credential in credentials)
    assert any(credential.double_review is True for credential in credentials)
    assert any(credential.blind_review is False for credential in credentials)


def test_fingerprints_are_stable_across_parses(demo: CatalogDocument) -> None:
    again = load_demo()
    first = {c.slug: c.fingerprint() for stack in demo.stacks for c in stack.credentials}
    second = {c.slug: c.fingerprint() for stack in again.stacks for c in stack.credentials}
    assert first == second
    assert len(set(first.values())) == len(first)
