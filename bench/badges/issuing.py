"""Credentials issued per second with both proofs, against the bare cryptographic work.

Baseline, measured on the very documents our run issued, in the same process: RDF
canonicalisation of the document and of its proof configuration, one Ed25519 signature and one
RS256 JWT with already-loaded keys. That is the least any issuer must do per credential; the
ratio says what our issuing adds on top (database reads and writes, building the credential,
the shape check, the audit entry).
"""

from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import select

from bench.env import Backend
from bench.seed import Ids, insert, migrated_container, seed_district, table
from lti_tool.badges.jsonld import canonicalize
from lti_tool.domain.badges import KeyKind

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class IssuingResult:
    backend: str
    credentials: int
    issue_seconds: float
    bare_seconds: float
    canonical_seconds: float
    """Of the bare work, the part spent canonicalising."""

    @property
    def issued_per_second(self) -> float:
        return self.credentials / self.issue_seconds

    @property
    def bare_per_second(self) -> float:
        return self.credentials / self.bare_seconds

    @property
    def ratio(self) -> float:
        """How many times longer issuing takes than the bare work (1.0 = no overhead)."""
        return self.issue_seconds / self.bare_seconds

    @property
    def canonical_share(self) -> float:
        return self.canonical_seconds / self.bare_seconds


def _seed_awards(container: Any, count: int) -> list[str]:
    """``count`` educators, each with one awarded submission of the same credential."""
    ids = Ids(4)
    with container.engine.begin() as connection:
        district = seed_district(connection, ids, educators=count, assessors=1, schools=4)
        version = connection.execute(
            select(table("credential_versions").c.id, table("credential_versions").c.credential_id)
            .order_by(table("credential_versions").c.title)
            .limit(1)
        ).one()
        sections = _sections(container, str(version.id))
        submissions, reviews, decisions, awards = [], [], [], []
        for educator in district.educator_ids:
            submission_id, decision_id, award_id = ids(), ids(), ids()
            submissions.append({
                "id": submission_id, "person_id": educator, "credential_id": version.credential_id,
                "credential_version_id": version.id, "state": "awarded", "attempt_number": 1,
                "version": 4, "created_at": T0, "updated_at": T0, "submitted_at": T0,
                "context_id": None,
            })  # fmt: skip
            reviews.append({
                "id": ids(), "submission_id": submission_id, "attempt_number": 1,
                "assessor_id": district.assessor_ids[0], "kind": "primary", "claimed_at": T0,
                "scores": [{"section_key": key, "level_key": level, "feedback": "Clear."}
                           for key, level in sections],
                "recommendation": "award", "comment": "", "completed_at": T0,
            })  # fmt: skip
            decisions.append({
                "id": decision_id, "submission_id": submission_id, "attempt_number": 1,
                "issuer_id": district.issuer_id, "outcome": "award", "note": "",
                "decided_at": T0,
            })  # fmt: skip
            awards.append({
                "id": award_id, "submission_id": submission_id, "person_id": educator,
                "credential_version_id": version.id, "decision_id": decision_id,
                "awarded_at": T0,
            })  # fmt: skip
        for name, rows in (
            ("submissions", submissions), ("reviews", reviews), ("decisions", decisions),
            ("awards", awards),
        ):  # fmt: skip
            insert(connection, name, rows)
    return [row["id"] for row in awards]


def _sections(container: Any, version_id: str) -> list[tuple[str, str]]:
    with container.uow_factory() as uow:
        definition = uow.catalog.version(version_id).definition
    return [(section.key, section.required_level) for section in definition.sections]


def _bare(documents: list[dict[str, Any]], ed_key: Any, rsa_key: Any) -> tuple[float, float]:
    """(total seconds, canonicalisation seconds) of the least work per credential."""
    canonical = 0.0
    started = time.perf_counter()
    for signed in documents:
        document = {key: value for key, value in signed.items() if key != "proof"}
        config = {
            "@context": document["@context"],
            **{key: value for key, value in signed["proof"].items() if key != "proofValue"},
        }
        before = time.perf_counter()
        data = (
            hashlib.sha256(canonicalize(config).encode()).digest()
            + hashlib.sha256(canonicalize(document).encode()).digest()
        )
        canonical += time.perf_counter() - before
        ed_key.sign(data)
        # The same payload our VC-JWT carries: the secured credential plus the mirrored claims.
        claims = {**signed, "iss": signed["issuer"]["id"], "jti": signed["id"], "nbf": 0}
        jwt.encode(claims, rsa_key, algorithm="RS256")
    return time.perf_counter() - started, canonical


def run(backend: Backend, workdir: Path, credentials: int) -> IssuingResult:
    container = migrated_container(backend, "badges", workdir / "instance")
    try:
        award_ids = _seed_awards(container, credentials + 1)
        # The first issue creates the issuer and its keys (one-off work, not measured).
        container.credentials.issue_for_award(award_ids[0])
        started = time.perf_counter()
        issued = [container.credentials.issue_for_award(a).credential for a in award_ids[1:]]
        issue_seconds = time.perf_counter() - started
        issuer_id = issued[0].issuer_id
        now = T0 + timedelta(days=1)
        ed = container.keyring.signing_key(issuer_id, KeyKind.ED25519, now).private
        rs = container.keyring.signing_key(issuer_id, KeyKind.RSA, now).private
        documents = [copy.deepcopy(item.document) for item in issued]
        bare_seconds, canonical_seconds = _bare(documents, ed, rs)
        return IssuingResult(
            backend.name, len(issued), issue_seconds, bare_seconds, canonical_seconds
        )
    finally:
        container.engine.dispose()
