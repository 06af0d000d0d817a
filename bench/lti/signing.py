"""Benchmark (c): JWTs the tool signs, per second, against bare ``jwt.encode``.

Ours: :meth:`lti_tool.lti.deep_linking.DeepLinkResponder.respond` (an
``LtiDeepLinkingResponse`` with two resource links and line items) and the client assertion
of :class:`lti_tool.lti.service_tokens.ServiceTokenClient` (what it posts to a token URL),
both signed with the tool's ACTIVE key from the database. Bare: PyJWT ``jwt.encode`` of the
same claims with the private key already loaded. Same process, same run, interleaved.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from bench.lti.platform import BenchPlatform
from bench.lti.validation import TARGET, lti_container
from bench.measure import Summary
from lti_tool.lti.deep_linking import DeepLinkRequest, LinkChoice


@dataclass(frozen=True)
class SigningCase:
    name: str
    ours: Summary
    bare: Summary
    ours_per_second: float
    bare_per_second: float

    @property
    def ratio(self) -> float:
        return self.ours_per_second / self.bare_per_second

    @property
    def passed(self) -> bool:
        return self.ratio >= TARGET


def _compare(name: str, ours: Callable[[], str], private: Any, runs: int) -> SigningCase:
    """Time ``ours`` against PyJWT signing the claims and header of one of our tokens."""
    sample = ours()
    claims = jwt.decode(sample, options={"verify_signature": False})
    headers = {"kid": jwt.get_unverified_header(sample)["kid"]}

    def bare() -> str:
        return jwt.encode(claims, private, algorithm="RS256", headers=headers)

    for _ in range(10):
        ours()
        bare()
    ours_times: list[float] = []
    bare_times: list[float] = []
    gc.collect()
    for _ in range(runs):
        started = time.perf_counter()
        ours()
        middle = time.perf_counter()
        bare()
        ours_times.append(middle - started)
        bare_times.append(time.perf_counter() - middle)
    return SigningCase(
        name,
        Summary.of(ours_times),
        Summary.of(bare_times),
        runs / sum(ours_times),
        runs / sum(bare_times),
    )


def run(workdir: Path, runs: int) -> list[SigningCase]:
    workdir.mkdir(parents=True, exist_ok=True)
    platform = BenchPlatform()
    container = lti_container(workdir, platform)
    try:
        _, private = container.tool_keys.signing_key()
        registration = container.platforms.find(platform.issuer, platform.client_id)
        assert registration is not None
        request = DeepLinkRequest(
            registration_id=registration.id,
            client_id=platform.client_id,
            issuer=platform.issuer,
            deployment_id=platform.deployment_id,
            return_url=platform.issuer + "/deep_link_return",
            accept_types=("ltiResourceLink",),
            accept_multiple=True,
            data="opaque-platform-data",
            offers_grades=True,
        )
        choices = [
            LinkChoice("actionable-feedback", "Actionable feedback", "Give feedback students use"),
            LinkChoice("hinge-questions", "Hinge questions", "Check understanding mid-lesson"),
        ]
        return [
            _compare(
                "Deep-linking response (2 items)",
                lambda: container.deep_links.respond(request, choices),
                private,
                runs,
            ),
            _compare(
                "Service-token client assertion",
                lambda: container.service_tokens.client_assertion(registration),
                private,
                runs,
            ),
        ]
    finally:
        container.lti.http.close()
        container.engine.dispose()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for case in run(Path(folder), 300):
            print(case, f"ratio {case.ratio:.3f}")
