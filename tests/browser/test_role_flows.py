"""Every role end to end in Chromium, each signed in by a real LTI launch inside the fake LMS's
800 px iframe: a teacher submits evidence (a plain upload, and a chunked video upload that
survives a dropped connection), an assessor reviews, an admin makes an issuer who awards, and the
teacher downloads the baked badge, which the verify page accepts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, FrameLocator, Route, expect

from lti_tool.demo_files import sample_file, sample_mp4
from lti_tool.demo_lms.tokens import MEMBERSHIP, ROLE_INSTRUCTOR, ROLE_LEARNER
from lti_tool.domain.catalog import EvidenceKind
from lti_tool.domain.media import MediaFamily
from tests.browser.accessibility import axe_violations, screenshots
from tests.browser.world import Visit, World, autosave, launch, upload_evidence, world

pytestmark = pytest.mark.browser

SLUG = "hinge-questions"
TITLE = "Checking Understanding with Hinge Questions"
FLOW_MS = 15_000
VIDEO = sample_mp4() + bytes(range(256)) * 1200  # about 300 KB: five pieces of 64 KiB
ROLE_ADMIN = MEMBERSHIP + "Administrator"
__all__ = ["world"]
TEACHER_PAGES = [
    ("/", "teacher-home"), ("/catalog", "teacher-catalog"),
    (f"/catalog/{SLUG}", "teacher-credential"), ("/me/credentials", "teacher-credentials"),
    ("/verify", "public-verify"),
]  # fmt: skip
ADMIN_PAGES = [
    ("/decisions", "issuer-queue"), ("/issued", "issuer-issued"), ("/admin", "admin-home"),
    ("/admin/dashboards", "admin-dashboards"), ("/admin/organisations", "admin-organisations"),
    ("/admin/people", "admin-people"), ("/admin/catalog", "admin-catalog"),
    ("/admin/platforms", "admin-platforms"), ("/admin/roster", "admin-roster"),
    ("/admin/audit", "admin-audit"),
]  # fmt: skip


class Pages:
    """Each page opened top-level in the role's browser profile: axe, no sideways scrolling,
    and screenshots at 800 and 1280 px (test-artifacts/screenshots/)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.problems: dict[str, list[dict[str, object]]] = {}
        self.seen: list[str] = []

    def check(self, visit: Visit, path: str, name: str, status: int = 200) -> None:
        page = visit.context.new_page()
        answer = page.goto(self.world.url + path)
        assert answer is not None and answer.status == status, (path, answer and answer.status)
        if found := axe_violations(page):
            self.problems[name] = found
        screenshots(page, name)
        self.seen.append(name)
        page.close()


def submission_path(frame: FrameLocator) -> str:
    form = frame.locator("form[action$='/submit']")
    action = form.get_attribute("action")
    assert action
    return action.removesuffix("/submit")


def upload_form(frame: FrameLocator, field: str):  # type: ignore[no-untyped-def]
    return frame.locator("form.upload", has=frame.locator(field))


def submit_evidence(teacher: Visit, world: World, pages: Pages) -> dict[str, int]:
    """Start the credential and fill every item; returns what the dropped piece saw."""
    f = teacher.frame
    f.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    f.get_by_role("link", name=TITLE).click()
    f.get_by_role("button", name="Start this micro-credential").click()
    expect(f.get_by_role("heading", level=1)).to_have_text(TITLE)
    definition = world.container.catalog.credential(SLUG)[1].definition
    dropped = {"pieces": 0, "dropped": 0}

    def drop_second_piece(route: Route) -> None:
        dropped["pieces"] += 1
        if dropped["pieces"] == 2:
            dropped["dropped"] += 1
            route.abort("connectionreset")
            return
        route.continue_()

    files = [(s, r) for s in definition.sections for r in s.evidence if r.kind is EvidenceKind.FILE]
    for section, req in files:
        field = f"#f-{section.key}-{req.key}"
        form = upload_form(f, field)
        if MediaFamily.VIDEO in req.accepts:  # a large video: in pieces, one of them dropped
            name, data = "lesson-recording.mp4", VIDEO
            form.evaluate("f => { f.dataset.chunkedAbove = '0'; f.dataset.chunkBytes = '65536'; }")
            teacher.context.route(re.compile(r"/uploads/[^/?]+\?offset="), drop_second_piece)
        else:
            name, data = sample_file(req.accepts[0], f"{section.title} {req.label}")
        upload_evidence(teacher.page, f, field, name, data, FLOW_MS)
    for section in definition.sections:
        for req in section.evidence:
            field = f"#f-{section.key}-{req.key}"
            if req.kind is EvidenceKind.REFLECTION:
                autosave(f, field, f"My reflection on {section.title}: what students did.")
            elif req.kind is EvidenceKind.LINK:
                autosave(f, field, f"https://example.org/evidence/{section.key}/{req.key}")
    pages.check(teacher, submission_path(f), "teacher-submission-draft")
    f.get_by_role("button", name="Submit for review").click()
    expect(f.get_by_text("Submitted. An assessor will review it")).to_be_visible()
    return dropped


def review_it(assessor: Visit, world: World, pages: Pages) -> None:
    f = assessor.frame
    f.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    f.get_by_role("button", name=re.compile(r"^Claim ")).click()
    expect(f.get_by_role("heading", level=1)).to_contain_text(TITLE)
    review_path = f.locator("form[action^='/review/']").first.get_attribute("action")
    assert review_path
    pages.check(assessor, review_path, "assessor-review")
    for section in world.container.catalog.credential(SLUG)[1].definition.sections:
        f.locator(f"#level-{section.key}-{section.required_level}").check()
        f.locator(f"#feedback-{section.key}").fill(f"Strong evidence for {section.title}.")
    f.locator("#rec-award").check()
    f.get_by_role("button", name="Record review").click()
    expect(f.get_by_role("heading", level=1)).to_have_text("Review queue")


def make_issuer_and_award(admin: Visit, pages: Pages) -> None:
    f = admin.frame
    f.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    f.get_by_role("link", name="People and roles").click()
    row = f.locator("tr", has_text="Ivy Issuer")
    row.get_by_label("Role").select_option("issuer")
    row.get_by_label("Action").select_option("grant")
    row.get_by_label("Reason").fill("Issuer of record for the district")
    row.get_by_role("button", name="Save").click()
    expect(f.get_by_text("Saved: issuer grant.")).to_be_visible()
    f.get_by_role("navigation", name="Main").get_by_role("link", name="Decisions").click()
    f.get_by_role("link", name="Theodora Quill").click()
    expect(f.locator("#outcome-award")).to_be_visible()
    decision = f.locator("form[action^='/decisions/']").first.get_attribute("action")
    assert decision
    pages.check(admin, decision, "issuer-decision")
    f.locator("#outcome-award").check()
    f.locator("#note").fill("Awarded on the assessor's recommendation.")
    f.get_by_role("button", name="Record decision").click()
    expect(f.get_by_text(re.compile(r"[Aa]warded"))).not_to_have_count(0)


def test_every_role_in_the_lms_iframe(browser: Browser, world: World) -> None:
    pages = Pages(world)
    teacher = launch(browser, world, "teacher-1", "Theodora Quill", (ROLE_LEARNER,), 1400)
    dropped = submit_evidence(teacher, world, pages)
    assert dropped["dropped"] == 1 and dropped["pieces"] >= 6  # five pieces and one resent

    assessor = launch(browser, world, "assessor-1", "Ada Assessor", (ROLE_INSTRUCTOR,), 1400)
    pages.check(assessor, "/review", "assessor-queue")
    review_it(assessor, world, pages)
    admin = launch(browser, world, "admin-1", "Ivy Issuer", (ROLE_ADMIN,), 1400)
    make_issuer_and_award(admin, pages)
    assert world.container.worker.drain().delivered >= 1  # the award becomes a credential

    f = teacher.frame
    f.get_by_role("navigation", name="Main").get_by_role("link", name="My credentials").click()
    link = f.get_by_role("link", name="Badge image (PNG)")
    href = link.get_attribute("href")
    assert href
    badge = teacher.context.request.get(world.url + href)
    assert badge.ok and badge.body().startswith(b"\x89PNG\r\n\x1a\n")
    f.get_by_role("link", name="Verify a credential").click()
    f.locator("#image").set_input_files(
        files=[{"name": "badge.png", "mimeType": "image/png", "buffer": badge.body()}]
    )
    f.get_by_role("button", name="Verify").click()
    expect(f.get_by_role("heading", name=re.compile("Valid"))).to_be_visible()

    for path, name in TEACHER_PAGES:
        pages.check(teacher, path, name)
    keyboard = teacher.context.new_page()
    keyboard.goto(world.url + "/")
    keyboard.keyboard.press("Tab")  # the first stop skips the navigation, with a visible focus
    focused = keyboard.evaluate(
        "() => { const e = document.activeElement, s = getComputedStyle(e);"
        " return [e.textContent, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert focused[0] == "Skip to main content" and focused[1] != "none" and focused[2] >= 2
    keyboard.close()
    for path, name in ADMIN_PAGES:
        pages.check(admin, path, name)
    pages.check(teacher, "/no-such-page", "error-not-found", status=404)
    pages.check(teacher, "/admin", "error-forbidden", status=403)
    assert not pages.problems, pages.problems
    for visit in (teacher, assessor, admin):
        visit.context.close()
