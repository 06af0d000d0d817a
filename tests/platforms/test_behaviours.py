"""Per-LMS behaviours: family detection, defaults vs overrides, Canvas's score extension and
developer key JSON.

Product family codes are the values LMSs send in the LTI ``tool_platform`` claim (Canvas
``canvas``, Moodle ``moodle``, D2L ``desire2learn``, Schoology ``schoology``, Blackboard
``BlackboardLearn``, as in hypothesis/lms ``lms/product/family.py`` and Anthology's sample JWT).
The Canvas JSON shape follows Canvas's "Configuring LTI Advantage Tools" page.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from lti_tool.platforms import (
    BEHAVIOURS,
    BlackboardBehaviour,
    CanvasBehaviour,
    D2LBehaviour,
    Family,
    MoodleBehaviour,
    PlatformBehaviour,
    SchoologyBehaviour,
    behaviour_for,
    developer_key_config,
)
from lti_tool.platforms.canvas import CUSTOM_FIELDS, PLACEMENTS, SCOPES, SUBMISSION_EXTENSION

BADGE = "https://credbridge.example.org/verify/0b9f"

# --- family detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("canvas", Family.CANVAS),
        ("Canvas", Family.CANVAS),
        (" CANVAS\n", Family.CANVAS),
        ("moodle", Family.MOODLE),
        ("Moodle", Family.MOODLE),
        ("desire2learn", Family.D2L),
        ("Desire2Learn", Family.D2L),
        ("d2l", Family.D2L),
        ("D2L", Family.D2L),
        ("brightspace", Family.D2L),
        ("Brightspace", Family.D2L),
        ("schoology", Family.SCHOOLOGY),
        ("Schoology", Family.SCHOOLOGY),
        ("BlackboardLearn", Family.BLACKBOARD),
        ("blackboardlearn", Family.BLACKBOARD),
        ("blackboard", Family.BLACKBOARD),
        ("Blackboard", Family.BLACKBOARD),
        ("sakai", Family.UNKNOWN),
        ("BlackbaudK12", Family.UNKNOWN),
        ("canvas-lms", Family.UNKNOWN),
        ("unknown", Family.UNKNOWN),
        ("", Family.UNKNOWN),
        ("   ", Family.UNKNOWN),
        (None, Family.UNKNOWN),
    ],
)
def test_family_from_product_family_code(code: str | None, family: Family) -> None:
    assert Family.from_product_family_code(code) is family


def test_family_values_are_the_codes_lmss_send() -> None:
    assert {family.value for family in Family} == {
        "canvas",
        "moodle",
        "desire2learn",
        "schoology",
        "BlackboardLearn",
        "unknown",
    }


def test_family_constructor_falls_back_to_unknown() -> None:
    assert Family("canvas") is Family.CANVAS
    assert Family("D2L") is Family.D2L
    assert Family("no such lms") is Family.UNKNOWN


def test_a_family_is_its_own_code() -> None:
    for family in Family:
        assert Family.from_product_family_code(family) is family
        assert Family.from_product_family_code(family.value) is family


# --- choosing the behaviour ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("canvas", CanvasBehaviour),
        ("moodle", MoodleBehaviour),
        ("desire2learn", D2LBehaviour),
        ("brightspace", D2LBehaviour),
        ("schoology", SchoologyBehaviour),
        ("BlackboardLearn", BlackboardBehaviour),
        (Family.CANVAS, CanvasBehaviour),
    ],
)
def test_behaviour_for_known_codes(code: str, kind: type[PlatformBehaviour]) -> None:
    behaviour = behaviour_for(code)
    assert type(behaviour) is kind
    assert behaviour.family is Family.from_product_family_code(code)


@pytest.mark.parametrize("code", [None, "", "sakai", "CANVAS LMS"])
def test_unknown_platforms_get_the_defaults(code: str | None) -> None:
    behaviour = behaviour_for(code)
    assert type(behaviour) is PlatformBehaviour
    assert behaviour.family is Family.UNKNOWN


def test_every_family_has_exactly_one_behaviour_of_its_own_family() -> None:
    assert set(BEHAVIOURS) == set(Family)
    for family, behaviour in BEHAVIOURS.items():
        assert behaviour.family is family
        assert behaviour.display_name
    assert len({behaviour.display_name for behaviour in BEHAVIOURS.values()}) == len(Family)


def test_behaviours_are_shared_and_the_registry_is_read_only() -> None:
    assert behaviour_for("canvas") is behaviour_for("Canvas")
    with pytest.raises(TypeError):
        BEHAVIOURS[Family.CANVAS] = PlatformBehaviour()  # type: ignore[index]


# --- defaults and overrides ------------------------------------------------------------------


def test_defaults() -> None:
    default = PlatformBehaviour()
    assert default.nrps_page_limit == 100
    assert default.needs_token_audience_override is False
    assert default.new_deployment_per_install is False
    assert default.supports_platform_storage is False
    assert default.user_id_custom_parameter is None
    assert default.non_student_score_status is None
    assert default.score_extension(BADGE, new_submission=True) == {}
    assert default.is_non_student_score_refusal(422) is False
    assert default.token_audience("https://lms.example/token", "ignored") == (
        "https://lms.example/token"
    )
    assert default.lms_user_id({"canvas_user_id": "42"}) is None


@pytest.mark.parametrize("family", [Family.MOODLE, Family.SCHOOLOGY, Family.BLACKBOARD])
def test_lmss_without_differences_keep_every_default(family: Family) -> None:
    behaviour = BEHAVIOURS[family]
    default = PlatformBehaviour()
    assert behaviour.nrps_page_limit == default.nrps_page_limit
    assert behaviour.needs_token_audience_override == default.needs_token_audience_override
    assert behaviour.new_deployment_per_install == default.new_deployment_per_install
    assert behaviour.supports_platform_storage == default.supports_platform_storage
    assert behaviour.user_id_custom_parameter == default.user_id_custom_parameter
    assert behaviour.non_student_score_status == default.non_student_score_status
    assert behaviour.score_extension(BADGE, new_submission=False) == {}


def test_canvas_overrides() -> None:
    canvas = behaviour_for("canvas")
    assert canvas.display_name == "Canvas"
    assert canvas.nrps_page_limit == 50
    assert canvas.new_deployment_per_install is True
    assert canvas.supports_platform_storage is True
    assert canvas.user_id_custom_parameter == "$Canvas.user.id"
    assert canvas.non_student_score_status == 422
    assert canvas.needs_token_audience_override is False


def test_canvas_422_is_a_non_student_refusal_and_nothing_else_is() -> None:
    canvas = behaviour_for("canvas")
    assert canvas.is_non_student_score_refusal(422) is True
    for status in (400, 401, 403, 404, 409, 429, 500, 503):
        assert canvas.is_non_student_score_refusal(status) is False


def test_canvas_reads_its_user_id_from_the_custom_claim() -> None:
    canvas = behaviour_for("canvas")
    assert canvas.lms_user_id({"canvas_user_id": " 1234 "}) == "1234"
    assert canvas.lms_user_id({"canvas_user_id": "$Canvas.user.id"}) is None  # not expanded
    assert canvas.lms_user_id({"canvas_user_id": ""}) is None
    assert canvas.lms_user_id({}) is None


def test_d2l_overrides_the_token_audience() -> None:
    d2l = behaviour_for("desire2learn")
    assert d2l.display_name == "D2L Brightspace"
    assert d2l.needs_token_audience_override is True
    token_url = "https://auth.brightspace.com/core/connect/token"
    assert d2l.token_audience(token_url) == "https://api.brightspace.com/auth/token"
    assert d2l.token_audience(token_url, "https://district.example/aud") == (
        "https://district.example/aud"
    )
    assert d2l.nrps_page_limit == 100


# --- Canvas score extension ------------------------------------------------------------------


@pytest.mark.parametrize("new_submission", [True, False])
def test_canvas_score_extension(new_submission: bool) -> None:
    extension = behaviour_for("canvas").score_extension(BADGE, new_submission=new_submission)
    assert extension == {
        "https://canvas.instructure.com/lti/submission": {
            "new_submission": new_submission,
            "submission_type": "online_url",
            "submission_data": BADGE,
        }
    }
    assert SUBMISSION_EXTENSION in extension


def test_canvas_score_extension_is_a_fresh_dict_each_time() -> None:
    canvas = behaviour_for("canvas")
    first = canvas.score_extension(BADGE, new_submission=True)
    first[SUBMISSION_EXTENSION]["submission_data"] = "changed"
    second = canvas.score_extension(BADGE, new_submission=True)
    assert second[SUBMISSION_EXTENSION]["submission_data"] == BADGE


# --- Canvas developer key JSON ---------------------------------------------------------------


def _urls(config: dict[str, Any]) -> list[str]:
    placements = config["extensions"][0]["settings"]["placements"]
    return [
        config["oidc_initiation_url"],
        config["target_link_uri"],
        config["public_jwk_url"],
        *(placement["target_link_uri"] for placement in placements),
    ]


@pytest.mark.parametrize(
    "base_url",
    [
        "https://credbridge.example.org",
        "https://credbridge.example.org/",
        "https://credbridge.example.org//",
        "  https://credbridge.example.org/ ",
    ],
)
def test_canvas_config_urls_are_absolute_without_double_slashes(base_url: str) -> None:
    config = developer_key_config(base_url)
    assert config["oidc_initiation_url"] == "https://credbridge.example.org/lti/login"
    assert config["target_link_uri"] == "https://credbridge.example.org/lti/launch"
    assert config["public_jwk_url"] == "https://credbridge.example.org/.well-known/jwks.json"
    for url in _urls(config):
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert parts.netloc == "credbridge.example.org"
        assert "//" not in parts.path


def test_canvas_config_keeps_a_path_prefix_and_custom_paths() -> None:
    config = developer_key_config(
        "http://localhost:5000/tools/cb/",
        jwks_path="keys.json",
        login_path="/oidc/login/",
        launch_path="launch",
    )
    assert config["oidc_initiation_url"] == "http://localhost:5000/tools/cb/oidc/login/"
    assert config["target_link_uri"] == "http://localhost:5000/tools/cb/launch"
    assert config["public_jwk_url"] == "http://localhost:5000/tools/cb/keys.json"
    assert config["extensions"][0]["domain"] == "localhost"
    for url in _urls(config):
        assert "//" not in urlsplit(url).path


@pytest.mark.parametrize(
    "base_url", ["", "credbridge.example.org", "/lti", "ftp://credbridge.example.org", "https://"]
)
def test_canvas_config_refuses_a_relative_base_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        developer_key_config(base_url)


def test_canvas_config_shape() -> None:
    config = developer_key_config("https://credbridge.example.org", "PD Credentials", "Earn.")
    assert config["title"] == "PD Credentials"
    assert config["description"] == "Earn."
    assert set(config) >= {
        "title",
        "description",
        "oidc_initiation_url",
        "target_link_uri",
        "public_jwk_url",
        "scopes",
        "extensions",
        "custom_fields",
    }
    assert len(config["extensions"]) == 1
    extension = config["extensions"][0]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "public"
    assert extension["domain"] == "credbridge.example.org"
    assert extension["settings"]["text"] == "PD Credentials"
    json.loads(json.dumps(config))  # plain JSON all the way down


def test_canvas_config_has_every_placement_with_its_message_type() -> None:
    placements = developer_key_config("https://credbridge.example.org")["extensions"][0][
        "settings"
    ]["placements"]
    found = {placement["placement"]: placement["message_type"] for placement in placements}
    assert found == {
        "course_navigation": "LtiResourceLinkRequest",
        "account_navigation": "LtiResourceLinkRequest",
        "assignment_selection": "LtiDeepLinkingRequest",
        "link_selection": "LtiDeepLinkingRequest",
    }
    assert len(placements) == len(PLACEMENTS)
    for placement in placements:
        assert placement["target_link_uri"] == "https://credbridge.example.org/lti/launch"
        assert placement["text"]


def test_canvas_config_scopes_cover_ags_and_nrps() -> None:
    scopes = developer_key_config("https://credbridge.example.org")["scopes"]
    assert scopes == list(SCOPES)
    assert set(scopes) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }


def test_canvas_config_custom_fields() -> None:
    custom = developer_key_config("https://credbridge.example.org")["custom_fields"]
    assert custom == {
        "canvas_user_id": "$Canvas.user.id",
        "canvas_course_id": "$Canvas.course.id",
        "canvas_assignment_id": "$Canvas.assignment.id",
        "person_sourcedid": "$Person.sourcedId",
        "canvas_api_base_url": "$Canvas.api.baseUrl",
    }
    custom["canvas_user_id"] = "changed"
    assert CUSTOM_FIELDS["canvas_user_id"] == "$Canvas.user.id"


def test_canvas_behaviour_and_config_agree_on_the_user_id_field() -> None:
    canvas = behaviour_for("canvas")
    custom = developer_key_config("https://credbridge.example.org")["custom_fields"]
    assert canvas.user_id_custom_key is not None
    assert custom[canvas.user_id_custom_key] == canvas.user_id_custom_parameter
