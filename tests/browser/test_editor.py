"""The submission editor in a real browser: autosave, the local copy that survives a closed tab,
a refused upload that loses nothing, and the layout at the 800 px width of an LMS iframe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Dialog, Locator, Page, expect

from lti_tool.bootstrap import Container
from lti_tool.demo import register_demo_lms
from lti_tool.demo_lms import demo as demo_lms
from lti_tool.domain.roles import IdentityKind
from tests.web.conftest import District

pytestmark = pytest.mark.browser

SLUG = "hinge-questions"
TITLE = "Checking Understanding with Hinge Questions"
REFLECTION = "#f-design-decision_plan"
FILE_INPUT = "#f-design-question"
SAVED = re.compile(r"^Saved ")
RESTORE = re.compile(r"^Restore the text you typed here before")


@pytest.fixture
def draft(page: Page, container: Container, district: District) -> str:
    """Launch credbridge from the demo LMS as its teacher (the district teacher's LMS account),
    then start the credential from the catalog; the submission id."""
    register_demo_lms(container)
    issuer = demo_lms.issuer_for(container.settings.base_url)
    teacher = demo_lms.USERS[0]
    identity = (IdentityKind.LTI_SUBJECT, issuer, teacher.subject)
    container.people.add_identities(district.teacher, (identity,))
    page.goto("/demo-lms/")
    page.get_by_role("button", name=f"Open credbridge as {teacher.name.split()[0]}").click()
    tool = page.frame_locator("iframe[name=credbridge-tool]")
    expect(tool.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/catalog/{SLUG}")
    page.get_by_role("button", name="Start this micro-credential").click()
    page.wait_for_url(re.compile(r"/submissions/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    return page.url.rsplit("/", 1)[-1]


def status_of(page: Page, field: str) -> Locator:
    return page.locator("form.autosave", has=page.locator(field)).locator(".save-status")


def type_into(page: Page, field: str, text: str) -> None:
    page.locator(field).click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def stored_text(container: Container, district: District, submission_id: str) -> str | None:
    """The reflection as the services see it in the database."""
    actor = container.people.actor(district.teacher)
    response = container.submissions.workspace(actor, submission_id).response(
        "design", "decision_plan"
    )
    return response.text if response else None


def test_typing_autosaves_to_the_server(
    page: Page, draft: str, container: Container, district: District
) -> None:
    text = "If most answer B, I move on; if some, I reteach with a second example."

    type_into(page, REFLECTION, text)

    expect(status_of(page, REFLECTION)).to_have_text(SAVED)
    assert stored_text(container, district, draft) == text
    assert page.evaluate("Object.keys(localStorage).length") == 0, "local copy not cleared"


def test_unsaved_text_survives_a_closed_tab(
    page: Page,
    context: BrowserContext,
    draft: str,
    container: Container,
    district: District,
) -> None:
    first = "Most correct: move on."
    more = " Few correct: whole-class reteach with mini-whiteboards."
    type_into(page, REFLECTION, first)
    expect(status_of(page, REFLECTION)).to_have_text(SAVED)

    context.set_offline(True)
    type_into(page, REFLECTION, more)
    expect(status_of(page, REFLECTION)).to_have_text(re.compile(r"^Offline: not saved yet"))
    page.close()
    assert stored_text(container, district, draft) == first

    context.set_offline(False)
    reopened = context.new_page()
    reopened.goto(f"/submissions/{draft}")
    expect(reopened.locator(REFLECTION)).to_have_value(first)
    restore = reopened.get_by_role("button", name=RESTORE)
    expect(restore).to_be_visible()
    restore.click()

    expect(restore).to_have_count(0)
    expect(reopened.locator(REFLECTION)).to_have_value(first + more)
    expect(status_of(reopened, REFLECTION)).to_have_text(SAVED)
    assert stored_text(container, district, draft) == first + more
    assert reopened.evaluate("Object.keys(localStorage).length") == 0


def test_disguised_upload_is_refused_and_writing_is_kept(
    page: Page, draft: str, container: Container, district: District
) -> None:
    text = "Some correct: pair the students who chose A with those who chose C."
    type_into(page, REFLECTION, text)
    expect(status_of(page, REFLECTION)).to_have_text(SAVED)

    messages: list[str] = []

    def answer(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    upload = page.locator("form.upload", has=page.locator(FILE_INPUT))
    upload.locator(FILE_INPUT).set_input_files(
        files=[
            {
                "name": "hinge-question.pdf",
                "mimeType": "application/pdf",
                "buffer": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            }
        ]
    )
    with page.expect_event("dialog"):
        upload.get_by_role("button", name="Upload").click()

    assert len(messages) == 1
    assert "hinge-question.pdf is named like a pdf file" in messages[0], messages[0]
    assert messages[0].endswith("Nothing you wrote was lost."), messages[0]
    expect(upload.get_by_role("button", name="Upload")).to_be_enabled()
    expect(upload.locator("progress")).to_be_hidden()

    page.reload()
    expect(page.locator(REFLECTION)).to_have_value(text)
    expect(page.get_by_role("button", name=RESTORE)).to_have_count(0)
    actor = container.people.actor(district.teacher)
    assert container.submissions.workspace(actor, draft).evidence == []
    assert stored_text(container, district, draft) == text


def test_editor_fits_an_800px_iframe(page: Page, draft: str) -> None:
    type_into(page, REFLECTION, "A long unbroken word: " + "misconception" * 20)
    expect(status_of(page, REFLECTION)).to_have_text(SAVED)

    assert page.viewport_size == {"width": 800, "height": 900}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800, f"the editor scrolls sideways at 800 px: scrollWidth is {width}"
    page.screenshot(path="/tmp/credbridge-editor.png", full_page=True)
