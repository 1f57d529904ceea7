"""Recording ↔ transcript sync in a real browser (docs/interactions.md#the-interaction-page,
docs/interactions.md#recordings): the viewer highlights the utterance
being played, seeks on click, offers 1×/1.5×/2× speed and shows indicator hits and comments on the
timeline; the audio is served with range requests, only to people who may see the interaction.

The call is five two-second utterances (0–2, 2–4, 4–6, 6–8, 8–10 s) with a synthetic WAV from
``demo_audio.tone_wav``: a tone under each utterance, timed exactly like the transcript, so the
highlight can be checked against what the <audio> element is actually playing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from cxq.accounts.permissions import has_perm
from cxq.devdata.demo.audio import tone_wav
from cxq.interactions.comments import comment_create
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.recordings import recording_attach
from cxq.interactions.selectors import interaction_hits
from cxq.interactions.services import interaction_upsert, parse_payload

pytestmark = pytest.mark.e2e

LINES = [
    ("agent", "Thank you for calling, this is Andy."),
    ("customer", "Hello, I was charged twice this month."),
    ("agent", "Let me look at your invoice."),
    ("customer", "I would like a refund please."),
    ("agent", "Done, the refund is on its way."),
]
STEP = 2.0  # seconds per utterance
LENGTH = STEP * len(LINES)  # 10 s of transcript and of audio
WAIT_MS = 8_000  # for playback to reach a point: the machine is shared, give it slack
SELECTED = re.compile(r"\bbtn-primary\b")


@pytest.fixture
def call(personas, settings, tmp_path):
    """Agent A1's call (team A) with indicator and topic hits, a comment on the 4th line and a WAV."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process: it reads here too
    phrase_set_create(by=personas.admin, name="Greeting", kind="indicator", phrases=["thank you for calling"])
    phrase_set_create(by=personas.admin, name="Refund", kind="topic", side="customer", phrases=["refund"])
    payload = {
        "external_id": "player-call",
        "channel": "voice",
        "started_at": "2026-11-02T09:30:00Z",
        "agent": {"email": personas.agent_a1.email},
        "queue": "Billing",
        "transcript": [
            {"speaker": speaker, "start": i * STEP, "end": (i + 1) * STEP, "text": text}
            for i, (speaker, text) in enumerate(LINES)
        ],
    }
    interaction, created = interaction_upsert(data=parse_payload(payload))
    assert created and interaction.team == personas.team_a and interaction.duration_seconds == LENGTH
    utterances = interaction.utterances
    assert [(u.start, u.end) for u in utterances] == [(i * STEP, (i + 1) * STEP) for i in range(len(LINES))]
    upload = SimpleUploadedFile("player-call.wav", tone_wav(utterances, LENGTH), content_type="audio/wav")
    recording = recording_attach(interaction=interaction, upload=upload, by=personas.admin)
    comment_create(
        by=personas.supervisor_a, interaction=interaction, body="Good empathy on the refund.", utterance_index=3
    )
    return interaction, recording


@pytest.fixture
def shot(screenshot):
    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)

    return take


def audio_state(page: Page) -> dict:
    return page.evaluate(
        """() => { const a = document.querySelector('[data-player] audio[data-media]');
        return {time: a.currentTime, paused: a.paused, rate: a.playbackRate, duration: a.duration,
                ready: a.readyState, error: a.error && a.error.code}; }"""
    )


def wait_playing(page: Page, index: int) -> None:
    """Wait until the highlight is on utterance ``index`` (and on no other line). Locator assertions,
    not ``wait_for_function``: a polled string predicate runs through eval(), which the CSP refuses."""
    expect(page.locator(f"#u{index}")).to_have_class(re.compile(r"\bplaying\b"), timeout=WAIT_MS)
    expect(page.locator(".utt.playing")).to_have_count(1, timeout=WAIT_MS)


def expect_speed(page: Page, label: str) -> None:
    """The speed button ``label`` is the selected one, and the only one."""
    for button in page.locator("[data-player] [data-rate]").all():
        on = button.inner_text() == label
        expect(button).to_have_attribute("aria-pressed", "true" if on else "false")
        (expect(button).to_have_class if on else expect(button).not_to_have_class)(SELECTED)


@pytest.mark.parametrize("who", ["supervisor_a", "agent_a1"])
def test_the_player_highlights_seeks_and_changes_speed_in_sync_with_the_transcript(
    who, personas, call, new_page, login, shot
):
    interaction, recording = call
    user = personas.get(who)
    media_path = reverse("interactions:recording_media", args=[interaction.uuid, recording.uuid])

    page = new_page()
    media_responses = []
    page.on("response", lambda r: media_responses.append(r) if "/recordings/" in r.url else None)
    login(page, user)
    page.goto(f"/interactions/{interaction.uuid}/")

    # The recording loads: its metadata says 10 s, like the transcript, fetched with a range request.
    audio = page.locator("[data-player] audio[data-media]")
    expect(audio).to_have_count(1)
    assert audio.get_attribute("src") == media_path
    page.wait_for_function("() => document.querySelector('[data-player] audio').readyState >= 1", timeout=WAIT_MS)
    state = audio_state(page)
    assert state["error"] is None
    assert state["duration"] == pytest.approx(LENGTH, abs=0.05)
    assert state["paused"] and state["time"] == 0 and state["rate"] == 1
    assert media_responses, "the browser never fetched the recording"
    assert all(r.status == 206 for r in media_responses), [(r.url, r.status) for r in media_responses]
    first = media_responses[0]
    assert first.request.headers.get("range", "").startswith("bytes=")
    assert first.headers["accept-ranges"] == "bytes"
    assert first.headers["content-range"].endswith(f"/{recording.size}")
    # A range from the middle, asked with this person's session: exactly those bytes.
    part = page.request.get(media_path, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and part.headers["content-range"] == f"bytes 100-199/{recording.size}"
    assert part.body() == recording.file.open("rb").read()[100:200]
    recording.file.close()

    transcript = page.get_by_test_id("transcript")
    lines = transcript.locator(".utt[data-start][data-end]")
    expect(lines).to_have_count(len(LINES))
    for i in range(len(LINES)):
        expect(lines.nth(i)).to_have_attribute("data-start", f"{i * STEP:f}")
        expect(lines.nth(i)).to_have_attribute("data-end", f"{(i + 1) * STEP:f}")
    expect(transcript.locator(".utt.playing")).to_have_count(0)
    speeds = page.locator("[data-player] [data-rate]")
    expect(speeds).to_have_text(["1×", "1.5×", "2×"])
    expect_speed(page, "1×")  # the speed it plays at, shown from the start
    download = page.locator("[data-player] a", has_text="Download")
    expect(download).to_have_count(1 if has_perm(user, "recordings.download") else 0)
    shot(page, f"player-{who}-loaded")

    # The timeline: the Greeting indicator on line 1, the Refund topic on line 4 (not on line 5: that is
    # the agent's, and the topic counts the customer's words only) and the comment on line 4 (6 s), each
    # at its time as a percentage of the 10 s. A hit sits at its words' estimated time within the line.
    shown = {h.phrase_set.name: h for h in interaction_hits(interaction)}
    greeting, refund = shown["Greeting"], shown["Refund"]
    assert (greeting.utterance_index, refund.utterance_index) == (0, 3)
    assert 0 <= greeting.start < 2 and 6 <= refund.start < 8
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_be_visible()
    markers = timeline.locator(".marker")
    expect(timeline.locator(".marker-indicator")).to_have_count(1)
    expect(timeline.locator(".marker-topic")).to_have_count(1)
    expect(timeline.locator(".marker-comment")).to_have_count(1)
    expect(markers).to_have_count(3)
    expect(timeline.locator(".marker-indicator")).to_have_attribute("href", "#u0")
    expect(timeline.locator(".marker-indicator")).to_have_attribute("title", re.compile(r"^Greeting · 0:0[0-2]$"))
    expect(timeline.locator(".marker-topic")).to_have_attribute("href", "#u3")
    expect(timeline.locator(".marker-topic")).to_have_attribute("title", re.compile(r"^Refund · 0:0[6-8]$"))
    expect(timeline.locator(".marker-comment")).to_have_attribute("title", "Good empathy on the refund. · 0:06")
    box = timeline.locator("[data-track]").bounding_box()
    bar = timeline.bounding_box()
    for kind, at in (("indicator", greeting.start), ("topic", refund.start), ("comment", 6.0)):
        marker = timeline.locator(f".marker-{kind}")
        expect(marker).to_be_visible()
        mbox = marker.bounding_box()
        centre = mbox["x"] + mbox["width"] / 2 - box["x"]
        assert centre == pytest.approx(box["width"] * at / LENGTH, abs=3), (kind, at, centre, box)
        # inside the bar, even a marker at the very start or end
        assert bar["x"] <= mbox["x"] and mbox["x"] + mbox["width"] <= bar["x"] + bar["width"], (kind, mbox, bar)
    expect(lines.nth(0).locator(".utt-hits")).to_contain_text("Greeting")
    expect(lines.nth(3).locator(".utt-hits")).to_contain_text("Refund")
    expect(lines.nth(4).locator(".utt-hits")).to_have_count(0)

    # Click the third line: the audio jumps to 4 s and plays; the highlight is on that line...
    lines.nth(2).click()
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-player] audio'); return !a.paused && a.currentTime >= 4; }",
        timeout=WAIT_MS,
    )
    state = audio_state(page)
    assert state["error"] is None and not state["paused"]
    assert 4.0 <= state["time"] < 6.0, state  # started at the line's start, still within it
    wait_playing(page, 2)
    expect(lines.nth(2)).to_have_class(re.compile(r"\bplaying\b"))
    shot(page, f"player-{who}-line-3")
    # ...and moves on to the fourth as the recording plays past 6 s.
    wait_playing(page, 3)
    assert 6.0 <= audio_state(page)["time"] < 8.0
    shot(page, f"player-{who}-line-4")
    # The playhead on the timeline follows the recording (paused, so both stand still to be compared).
    head = timeline.get_by_test_id("playhead")
    expect(head).to_be_visible()
    page.evaluate("document.querySelector('[data-player] audio').pause()")
    page.wait_for_timeout(300)
    hbox, state = head.bounding_box(), audio_state(page)
    assert hbox["x"] + hbox["width"] / 2 - box["x"] == pytest.approx(box["width"] * state["time"] / LENGTH, abs=3)

    # A click on the bar, away from the markers, plays from that point (here 90 % in: 9 s).
    timeline.click(position={"x": box["x"] - bar["x"] + box["width"] * 0.9, "y": bar["height"] / 2})
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-player] audio'); return !a.paused && a.currentTime >= 9; }",
        timeout=WAIT_MS,
    )
    assert 9.0 <= audio_state(page)["time"] < 10.0
    wait_playing(page, 4)
    shot(page, f"player-{who}-timeline-seek")
    lines.nth(2).click()
    wait_playing(page, 2)

    # Speed: 2× then 1.5×; the chosen button, and only it, is shown selected (and pressed).
    speeds.filter(has_text=re.compile(r"^2×$")).click()
    assert audio_state(page)["rate"] == 2
    expect_speed(page, "2×")
    # ...and the recording really runs at twice the pace of the clock.
    pace = page.evaluate(
        """() => new Promise((done) => {
        const a = document.querySelector('[data-player] audio'), t0 = a.currentTime, w0 = performance.now();
        setTimeout(() => done((a.currentTime - t0) / ((performance.now() - w0) / 1000)), 800); })"""
    )
    assert pace > 1.3, f"at 2× the recording advanced {pace:.2f} s per second"
    shot(page, f"player-{who}-speed-2x")
    speeds.filter(has_text="1.5×").click()
    assert audio_state(page)["rate"] == 1.5
    expect_speed(page, "1.5×")
    # Still playing, and the highlight keeps following: the last line comes up.
    wait_playing(page, 4)
    assert not audio_state(page)["paused"]

    # Seeking backwards works too, at the chosen speed: click the first line.
    lines.nth(0).click()
    wait_playing(page, 0)
    state = audio_state(page)
    assert state["time"] < 2.0 and state["rate"] == 1.5
    # By keyboard: Enter on the second line seeks there.
    lines.nth(1).focus()
    page.keyboard.press("Enter")
    wait_playing(page, 1)
    assert 2.0 <= audio_state(page)["time"] < 4.0
    # A speed set outside these buttons (the browser's own playback-speed menu) shows on them too.
    page.evaluate("document.querySelector('[data-player] audio').playbackRate = 1")
    expect_speed(page, "1×")
    page.evaluate("document.querySelector('[data-player] audio').pause()")

    # A comment marker opens the comments tab at that comment and plays the recording from its moment.
    timeline.locator(".marker-comment").click()
    comments = page.get_by_test_id("comments")
    expect(comments).to_be_visible()
    expect(comments.locator("article.comment")).to_have_count(1)
    expect(comments).to_contain_text("Good empathy on the refund.")
    expect(transcript).to_be_hidden()
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-player] audio'); return !a.paused && a.currentTime >= 6; }",
        timeout=WAIT_MS,
    )
    assert 6.0 <= audio_state(page)["time"] < 8.0
    shot(page, f"player-{who}-comment")
    page.evaluate("document.querySelector('[data-player] audio').pause()")
    paused_at = audio_state(page)["time"]

    # Enter on a line's "Comment" button opens the comment form on that line; it does not seek or play.
    page.get_by_role("tab", name=re.compile(r"^Transcript")).click()
    expect(transcript).to_be_visible()
    lines.nth(4).locator(".utt-comment").focus()
    page.keyboard.press("Enter")
    expect(comments.get_by_test_id("comment-form").get_by_text("on the line at 0:08")).to_be_visible()
    state = audio_state(page)
    assert state["paused"] and state["time"] == paused_at, state
    # A click on that button (not only Enter) leaves the recording alone as well.
    page.get_by_role("tab", name=re.compile(r"^Transcript")).click()
    lines.nth(3).locator(".utt-comment").click()
    expect(comments.get_by_test_id("comment-form").get_by_text("on the line at 0:06")).to_be_visible()
    state = audio_state(page)
    assert state["paused"] and state["time"] == paused_at, state


def test_the_recording_is_served_only_to_people_who_may_see_the_interaction(personas, call, new_page, login):
    """Agent B1 and Manager B (team B) get a 404 for the media of team A's call, ranges or not."""
    interaction, recording = call
    media_path = reverse("interactions:recording_media", args=[interaction.uuid, recording.uuid])
    page = new_page()
    login(page, personas.agent_b1)
    for headers in ({}, {"Range": "bytes=0-"}):
        assert page.request.get(media_path, headers=headers).status == 404
    page = new_page()
    login(page, personas.manager_b)
    assert page.request.get(media_path, headers={"Range": "bytes=0-99"}).status == 404
    # Signed out: the login page, never the bytes.
    anonymous = new_page()
    response = anonymous.request.get(media_path, headers={"Range": "bytes=0-99"}, max_redirects=0)
    assert response.status == 302 and "/login/" in response.headers["location"]


def test_evaluating_beside_the_recording_a_click_on_a_transcript_line_plays_from_it(
    personas, call, new_page, login, shot
):
    """The evaluation form shows the interaction's player and its transcript with indicator and topic
    tags (docs/interactions.md#evidence-beside-an-evaluation); a click on a line moves the audio there."""
    from cxq.evaluations.services import evaluation_start
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    interaction, _ = call
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    draft = evaluation_start(by=personas.evaluator, interaction=interaction, scorecard=card)
    page = new_page()
    login(page, personas.evaluator)
    page.goto(f"/evaluations/{draft.uuid}/")
    evidence = page.get_by_test_id("evidence")
    expect(evidence.locator("[data-player] audio[data-media]")).to_have_count(1)
    lines = evidence.locator(".utt[data-start]")
    expect(lines).to_have_count(len(LINES))
    expect(lines.nth(0).locator(".utt-hits")).to_have_text("Greeting")
    expect(lines.nth(3).locator(".utt-hits")).to_have_text("Refund")
    expect(lines.nth(3).locator(".utt-time")).to_have_text("0:06")
    lines.nth(3).click()
    wait_playing(page, 3)
    assert 6.0 <= audio_state(page)["time"] < 8.0
    shot(page, "evaluation-form-beside-the-recording")
