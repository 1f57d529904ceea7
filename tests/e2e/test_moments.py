"""Moments in a real browser (docs/moments.md): a supervisor selects lines of a call's transcript, saves
them as a moment (its clip cut from the recording), makes an external link with a password; someone
outside opens it in a fresh browser, gives the password and gets the clip's player and only its lines."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from cxq.devdata.demo.audio import tone_wav
from cxq.interactions.recordings import recording_attach
from cxq.interactions.services import interaction_upsert, parse_payload
from cxq.moments.models import Moment
from tests.e2e.conftest import wait_js

pytestmark = pytest.mark.e2e

LINES = [
    ("agent", "Thank you for calling, this is Andy."),
    ("customer", "Hello, I was charged twice this month."),
    ("agent", "Let me look at your invoice."),
    ("customer", "I would like a refund please."),
    ("agent", "Done, the refund is on its way."),
]
PASSWORD = "for the trainers only"


@pytest.fixture
def call(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process: it reads here too
    payload = {
        "external_id": "moment-call",
        "channel": "voice",
        "started_at": "2026-11-02T09:30:00Z",
        "agent": {"email": personas.agent_a1.email},
        "transcript": [
            {"speaker": speaker, "start": i * 2.0, "end": (i + 1) * 2.0, "text": text}
            for i, (speaker, text) in enumerate(LINES)
        ],
    }
    interaction, _ = interaction_upsert(data=parse_payload(payload))
    upload = SimpleUploadedFile("call.wav", tone_wav(interaction.utterances, 10.0), content_type="audio/wav")
    recording_attach(interaction=interaction, upload=upload, by=personas.admin)
    return interaction


def test_a_moment_made_on_the_transcript_is_shared_outside_with_a_password(new_page, login, personas, call, screenshot):
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/interactions/{call.uuid}/")
    # select the text of the 2nd to the 4th line, as a mouse drag over them would
    page.evaluate(
        """() => {
          const lines = document.querySelectorAll(".utt[data-start] .utt-text");
          const range = document.createRange();
          range.setStart(lines[1].firstChild, 0);
          range.setEnd(lines[3].firstChild, 5);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }"""
    )
    page.get_by_test_id("use-selection").click()
    form = page.get_by_test_id("moment-form")
    expect(form.locator("input[name=start]")).to_have_value("2.0")
    expect(form.locator("input[name=end]")).to_have_value("8.0")
    form.locator("input[name=title]").fill("The double charge")
    form.locator("input[name=tags]").fill("billing, refund")
    screenshot(page, "moments-interaction-form")
    form.get_by_test_id("save-moment").click()

    expect(page.get_by_test_id("moment-title")).to_have_text("The double charge")
    moment = Moment.objects.get()
    assert moment.status == Moment.Status.READY and moment.clip_method == "copy"
    player = page.get_by_test_id("clip-player")
    expect(player).to_be_visible()
    wait_js(page, "() => document.querySelector('[data-testid=clip-player]').duration > 5.5")
    links = page.get_by_test_id("link-form")
    links.locator("input[name=expires_in_days]").fill("7")
    links.locator("input[name=password]").fill(PASSWORD)
    links.get_by_test_id("make-link").click()
    url = page.get_by_test_id("new-link").locator("code").inner_text()
    assert re.search(r"/s/[\w-]{40,}/$", url)
    screenshot(page, "moments-detail")

    outsider = new_page()  # a fresh context: no login, no cookies
    outsider.goto("/" + url.split("/", 3)[3])  # the link names the configured base URL; here, the live server
    expect(outsider.get_by_test_id("public-password")).to_be_visible()
    screenshot(outsider, "moments-public-password")
    outsider.fill("input[name=password]", PASSWORD)
    outsider.click("button[type=submit]")
    expect(outsider.get_by_test_id("public-title")).to_have_text("The double charge")
    wait_js(outsider, "() => document.querySelector('[data-testid=public-player]').duration > 5.5")
    excerpt = outsider.get_by_test_id("public-excerpt")
    for _, text in LINES[1:4]:
        expect(excerpt).to_contain_text(text)
    html = outsider.content()
    for _, text in (LINES[0], LINES[4]):
        assert text not in html
    assert personas.agent_a1.full_name not in html and "/interactions/" not in html
    screenshot(outsider, "moments-public-view")


def test_the_librarys_agent_filter_is_an_autocomplete_picker(new_page, login, personas, call, screenshot):
    Moment.objects.create(
        interaction=call, title="Billing moment", start_seconds=1, end_seconds=4, status=Moment.Status.READY
    )
    page = new_page()
    login(page, personas.admin)
    page.goto("/moments/")
    picker = page.get_by_role("combobox", name="Agent")
    page.locator(".ts-control", has=picker).click()
    page.keyboard.type(personas.agent_a1.full_name.split()[0])
    page.get_by_role("option", name=personas.agent_a1.full_name).click()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(f"/moments/\\?.*agent={personas.agent_a1.uuid}"))
    expect(page.get_by_test_id("moments")).to_contain_text("Billing moment")
    expect(page.locator(".ts-control", has=page.get_by_role("combobox", name="Agent"))).to_contain_text(
        personas.agent_a1.full_name
    )
    screenshot(page, "moments-library-agent-picker")
