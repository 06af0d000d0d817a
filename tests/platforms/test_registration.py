"""The tool's Dynamic Registration body, per LMS (pure: no HTTP)."""

from __future__ import annotations

import pytest

from lti_tool.platforms import behaviour_for
from lti_tool.platforms.registration import (
    ADVANTAGE_SCOPES,
    TOOL_CONFIGURATION,
    requested_scopes,
    tool_registration,
)

BASE = "https://credbridge.example.org"


def test_the_default_body_follows_the_spec() -> None:
    body = tool_registration(behaviour_for(None), base_url=BASE + "/", platform_configuration={})
    assert body["application_type"] == "web"
    assert body["grant_types"] == ["client_credentials", "implicit"]
    assert body["response_types"] == ["id_token"]
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["initiate_login_uri"] == BASE + "/lti/login"
    assert body["redirect_uris"] == [BASE + "/lti/launch"]
    assert body["jwks_uri"] == BASE + "/.well-known/jwks.json"
    assert body["scope"].split() == list(ADVANTAGE_SCOPES)
    configuration = body[TOOL_CONFIGURATION]
    assert configuration["domain"] == "credbridge.example.org"
    assert configuration["target_link_uri"] == BASE + "/lti/launch"
    assert "sub" in configuration["claims"]
    assert [m["type"] for m in configuration["messages"]] == [
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    ]
    assert "custom_parameters" not in configuration


def test_canvas_asks_for_its_placements_only_where_offered() -> None:
    offered = {
        "messages_supported": [
            {"type": "LtiResourceLinkRequest", "placements": ["course_navigation"]},
            {"type": "LtiDeepLinkingRequest", "placements": ["link_selection"]},
        ]
    }
    body = tool_registration(behaviour_for("canvas"), base_url=BASE, platform_configuration=offered)
    configuration = body[TOOL_CONFIGURATION]
    assert configuration["https://canvas.instructure.com/lti/privacy_level"] == "public"
    placements = {m["type"]: m["placements"] for m in configuration["messages"]}
    assert placements == {
        "LtiResourceLinkRequest": ["course_navigation"],
        "LtiDeepLinkingRequest": ["link_selection"],
    }


def test_a_platform_without_deep_linking_is_not_asked_for_it() -> None:
    offered = {"messages_supported": [{"type": "LtiResourceLinkRequest"}]}
    body = tool_registration(behaviour_for("moodle"), base_url=BASE, platform_configuration=offered)
    assert [m["type"] for m in body[TOOL_CONFIGURATION]["messages"]] == ["LtiResourceLinkRequest"]


def test_only_scopes_the_platform_supports_are_requested() -> None:
    nrps = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
    assert requested_scopes(["openid", nrps]) == [nrps]
    assert requested_scopes(None) == list(ADVANTAGE_SCOPES)


def test_a_relative_base_url_is_refused() -> None:
    with pytest.raises(ValueError, match="absolute"):
        tool_registration(behaviour_for(None), base_url="/lti", platform_configuration={})
