"""Benchmark (a): id_token validation through our adapter against bare ``jwt.decode``.

Our side is :meth:`lti_tool.lti.launch.LtiAdapter.launch`: the login state taken from the
database, the token's format, the registration looked up by issuer and client_id, the RS256
signature and claims (``aud``, ``azp``, ``exp``, ``iat`` with leeway), the nonce consumed in the
database, and the deployment looked up. The bare side is PyJWT ``jwt.decode`` with the public key
already loaded, checking signature, ``exp``, ``aud`` and ``iss``, on the very same tokens in the
same run. Logins are made before the clock starts (they are the login request's work).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt

from bench.env import bench_settings
from bench.lti.platform import BenchPlatform
from bench.measure import Summary
from lti_tool.bootstrap import Container, build
from lti_tool.db.migrate import upgrade

TARGET = 0.5
"""Our rate must be at least half the bare rate."""


@dataclass(frozen=True)
class ValidationResult:
    tokens: int
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


def lti_container(workdir: Path, platform: BenchPlatform) -> Container:
    """A migrated SQLite database with ``platform`` registered (pasted key set, deployment
    approved), wired by the composition root."""
    url = f"sqlite:///{workdir / 'lti.sqlite3'}"
    upgrade(url)
    container = build(bench_settings(url, workdir / "instance"))
    container.platforms.register(
        name="Bench LMS",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.issuer + "/auth",
        auth_token_url=platform.issuer + "/token",
        key_set=platform.jwks(),
        deployment_ids=(platform.deployment_id,),
    )
    return container


def prepared_launches(
    container: Container, platform: BenchPlatform, count: int
) -> list[dict[str, str]]:
    """``count`` launch POST bodies, each answering a login the tool really started."""
    launch_url = f"{container.settings.base_url}/lti/launch"
    launches = []
    for person in range(count):
        redirect = container.lti.login(
            {
                "iss": platform.issuer,
                "client_id": platform.client_id,
                "login_hint": f"user-{person}",
                "target_link_uri": launch_url,
            }
        )
        nonce = parse_qs(urlsplit(redirect.url).query)["nonce"][0]
        launches.append(
            {"id_token": platform.id_token(nonce, launch_url, person), "state": redirect.state}
        )
    return launches


def run(workdir: Path, tokens: int) -> ValidationResult:
    workdir.mkdir(parents=True, exist_ok=True)
    platform = BenchPlatform()
    container = lti_container(workdir, platform)
    try:
        warm = prepared_launches(container, platform, 20)
        for body in warm:
            container.lti.launch(body, secure=True)
        launches = prepared_launches(container, platform, tokens)
        public = platform.key.public_key()

        def bare(body: dict[str, str]) -> None:
            jwt.decode(
                body["id_token"],
                public,
                algorithms=["RS256"],
                audience=platform.client_id,
                issuer=platform.issuer,
                leeway=60,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )

        for body in warm:
            bare(body)
        ours_times: list[float] = []
        bare_times: list[float] = []
        gc.collect()
        for body in launches:  # interleaved: the machine's noise falls on both alike
            started = time.perf_counter()
            bare(body)
            middle = time.perf_counter()
            container.lti.launch(body, secure=True)
            bare_times.append(middle - started)
            ours_times.append(time.perf_counter() - middle)
        return ValidationResult(
            tokens=tokens,
            ours=Summary.of(ours_times),
            bare=Summary.of(bare_times),
            ours_per_second=tokens / sum(ours_times),
            bare_per_second=tokens / sum(bare_times),
        )
    finally:
        container.lti.http.close()
        container.engine.dispose()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = run(Path(folder), 300)
    print(result, f"ratio {result.ratio:.3f}")
