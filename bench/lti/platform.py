"""A platform's side for the LTI benchmarks: a signing key and valid LTI 1.3 id_tokens.

Pure cryptography and PyJWT, no test code: the benchmarks sign what a real LMS would send.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ISSUER = "https://lms.bench.example"
CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "bench-deployment"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass
class BenchPlatform:
    """One LMS: its RSA key, its JWKS, and id_tokens for a tool."""

    issuer: str = ISSUER
    client_id: str = CLIENT_ID
    deployment_id: str = DEPLOYMENT_ID
    kid: str = field(default_factory=lambda: f"bench-{secrets.token_hex(4)}")
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(self, nonce: str, target_link_uri: str, person: int = 1) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": f"user-{person}",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"Educator {person}",
            "email": f"educator{person}@district.example",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": target_link_uri,
            CLAIM + "resource_link": {"id": "rl-1", "title": "Micro-credentials"},
            CLAIM + "roles": [LEARNER if person % 5 else INSTRUCTOR],
            CLAIM + "context": {"id": "ctx-1", "label": "MC-101", "title": "Micro-credentials"},
            CLAIM + "tool_platform": {"guid": "bench-lms", "product_family_code": "moodle"},
        }

    def id_token(self, nonce: str, target_link_uri: str, person: int = 1) -> str:
        return jwt.encode(
            self.claims(nonce, target_link_uri, person),
            self.key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )
