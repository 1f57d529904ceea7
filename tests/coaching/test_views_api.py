"""Coaching pages and API (docs/coaching.md)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cxq.coaching.models import CoachingSession


def _form(personas, evaluation=None, **extra) -> dict:
    start = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    body = {
        "title": "Greeting",
        "agents": [str(personas.agent_a1.uuid)],
        "coach": str(personas.supervisor_a.uuid),
        "kind": "video",
        "starts_at": start,
        "duration_minutes": "30",
        "meeting_url": "https://meet.example.com/x",
        "notes": "Use the name\n\nSmile",
    }
    if evaluation is not None:
        body["focus_evaluation"] = [str(evaluation.uuid)]
        body["focus_question"] = [f"{evaluation.uuid}:greet"]
    body.update(extra)
    return body


def test_a_supervisor_creates_a_session_from_an_evaluation(personas, client_for, evaluation):
    client = client_for("supervisor_a")
    page = client.get(reverse("evaluations:detail", args=[evaluation.uuid]))
    assert b'data-testid="coach-on-evaluation"' in page.content
    url = reverse("coaching:new") + f"?evaluation={evaluation.uuid}"
    form = client.get(url)
    assert (
        form.status_code == 200 and b'id="id_starts_at"' in form.content and b'id="id_duration_minutes"' in form.content
    )
    response = client.post(url, _form(personas, evaluation))
    session = CoachingSession.objects.get()
    assert response.status_code == 302 and response.url == reverse("coaching:detail", args=[session.uuid])
    assert session.origin == "evaluation" and session.evaluation == evaluation
    assert [f.kind for f in session.focus.all()] == ["evaluation", "question", "note", "note"]
    page = client.get(reverse("evaluations:detail", args=[evaluation.uuid]))
    assert session.title.encode() in page.content


def test_a_refused_form_is_a_400_naming_the_field_and_creates_nothing(personas, client_for):
    response = client_for("supervisor_a").post(reverse("coaching:new"), _form(personas, meeting_url="not a link"))
    assert response.status_code == 400
    assert "Enter a full web address" in response.content.decode()
    assert not CoachingSession.objects.exists()


def test_a_moment_becomes_a_focus_item(personas, client_for, evaluation):
    interaction = evaluation.interaction
    url = reverse("coaching:new") + f"?interaction={interaction.uuid}&at=42&moment=m-1&note=Tone"
    client = client_for("supervisor_a")
    page = client.get(url)
    assert b'data-testid="focus-moment"' in page.content
    body = _form(personas, moment_interaction=str(interaction.uuid), moment_at="42", moment_note="Moment m-1: Tone")
    assert client.post(url, body).status_code == 302
    item = CoachingSession.objects.get().focus.get(kind="moment")
    assert (item.interaction, item.at_seconds, item.note) == (interaction, 42, "Moment m-1: Tone")
    assert client.get(reverse("coaching:new") + f"?interaction={interaction.uuid}&at=-3").status_code == 400


def test_the_agent_sees_acknowledges_and_ticks_follow_ups(personas, client_for, session):
    agent = client_for("agent_a1")
    dash = agent.get(reverse("dashboard"))
    assert b'data-testid="coaching-to-ack"' in dash.content
    assert agent.post(reverse("coaching:acknowledge", args=[session.uuid])).status_code == 302
    assert session.attendees.get().acknowledged_at is not None
    sup = client_for("supervisor_a")
    sup.post(
        reverse("coaching:complete", args=[session.uuid]), {"outcome_notes": "Good", "follow_ups": "Practise\nRead"}
    )
    session.refresh_from_db()
    assert session.status == "completed"
    item = session.follow_ups.first()
    agent.post(reverse("coaching:follow_up", args=[session.uuid, item.pk]), {"done": "1"})
    item.refresh_from_db()
    assert item.done_at is not None
    # completing again is refused with the reason, nothing changes
    response = sup.post(reverse("coaching:complete", args=[session.uuid]), {"outcome_notes": "Again"}, follow=True)
    assert "A completed session cannot be completed." in response.content.decode()
    assert session.follow_ups.count() == 2


def test_pages_render_for_coach_and_agent(personas, client_for, session):
    for who in ("supervisor_a", "agent_a1"):
        client = client_for(who)
        assert client.get(reverse("coaching:home")).status_code == 200
        assert client.get(reverse("coaching:list")).status_code == 200
        assert client.get(reverse("coaching:detail", args=[session.uuid])).status_code == 200
    assert client_for("agent_a1").get(reverse("accounts:profile")).content.count(b"coaching-history-panel") == 1
    ics = client_for("agent_a1").get(reverse("coaching:ics", args=[session.uuid]))
    assert ics["Content-Type"].startswith("text/calendar") and b"METHOD:PUBLISH" in ics.content
    assert client_for("agent_b1").get(reverse("coaching:detail", args=[session.uuid])).status_code == 404
    assert client_for("evaluator").get(reverse("coaching:home")).status_code == 403


def _api(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_the_api_lists_creates_updates_and_acknowledges(personas, client_for, evaluation):
    sup = client_for("supervisor_a")
    start = (timezone.now() + timedelta(days=3)).isoformat()
    body = {
        "title": "API session",
        "agents": [str(personas.agent_a1.uuid)],
        "starts_at": start,
        "meeting_url": "https://meet.example.com/y",
        "evaluation": str(evaluation.uuid),
        "focus": [{"kind": "question", "evaluation": str(evaluation.uuid), "question_key": "greet"}],
    }
    created = _api(sup, "post", "/api/v1/coaching", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["coach"]["id"] == str(personas.supervisor_a.uuid) and data["focus"][0]["question_key"] == "greet"
    listed = sup.get("/api/v1/coaching").json()
    assert set(listed) >= {"results", "next", "previous"} and listed["results"][0]["id"] == data["id"]
    url = f"/api/v1/coaching/{data['id']}"
    moved = _api(sup, "patch", url, {"duration_minutes": 45})
    assert moved.status_code == 200 and moved.json()["sequence"] == 1 and moved.json()["focus"]
    assert _api(client_for("agent_a1"), "post", url + "/acknowledge").status_code == 200
    again = _api(client_for("agent_a1"), "post", url + "/acknowledge")
    assert again.status_code == 400 and "acknowledged" in again.json()["detail"]
    done = _api(sup, "post", url + "/status", {"status": "completed", "outcome_notes": "Fine", "follow_ups": ["A"]})
    assert done.status_code == 200 and done.json()["follow_ups"][0]["text"] == "A"
    refused = _api(sup, "post", url + "/status", {"status": "cancelled"})
    assert refused.status_code == 400 and refused.json()["detail"] == "status: A completed session cannot be cancelled."
    assert _api(client_for("agent_b1"), "get", url).status_code == 404


def test_the_api_refuses_bad_input_with_the_field(personas, client_for):
    sup = client_for("supervisor_a")
    body = {
        "title": "x",
        "agents": [str(personas.agent_a1.uuid)],
        "kind": "in_person",
        "starts_at": timezone.now().isoformat(),
    }
    response = _api(sup, "post", "/api/v1/coaching", body)
    assert response.status_code == 400 and response.json()["errors"]["location"]
    assert _api(sup, "post", "/api/v1/coaching", {**body, "kind": "phone"}).status_code == 422
    assert not CoachingSession.objects.exists()


def test_a_session_from_a_dispute_outcome_ticks_the_disputed_questions(personas, client_for, evaluation):
    from cxq.evaluations import services as ev

    dispute = ev.evaluation_dispute(by=personas.agent_a1, evaluation=evaluation, items=[("greet", "I did")])
    ev.dispute_respond(by=personas.evaluator, evaluation=evaluation, responses={"greet": ("reaffirm", "Stands", None)})
    client = client_for("supervisor_a")
    page = client.get(reverse("evaluations:detail", args=[evaluation.uuid]))
    assert b'data-testid="coach-on-dispute"' in page.content
    url = reverse("coaching:new") + f"?evaluation={evaluation.uuid}&dispute={dispute.uuid}"
    form = client.get(url).content.decode()
    assert f'value="{evaluation.uuid}:greet" checked' in form
    assert client.post(url, _form(personas, evaluation)).status_code == 302
    session = CoachingSession.objects.get()
    assert (session.origin, session.dispute, session.evaluation) == ("dispute", dispute, evaluation)
    assert client.get(reverse("coaching:new") + f"?evaluation={evaluation.uuid}&dispute=nope").status_code == 404


def test_editing_reschedules_with_a_new_invite_revision(personas, client_for, session):
    client = client_for("supervisor_a")
    page = client.get(reverse("coaching:edit", args=[session.uuid]))
    assert page.status_code == 200 and b'value="Greeting practice"' in page.content
    later = timezone.localtime(session.starts_at + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    body = _form(personas, title="Greeting practice", starts_at=later, notes="")
    body["focus_evaluation"] = [str(session.evaluation.uuid)]
    assert client.post(reverse("coaching:edit", args=[session.uuid]), body).status_code == 302
    session.refresh_from_db()
    assert session.sequence == 1 and [f.kind for f in session.focus.all()] == ["evaluation"]
    # the agent of a session never edits it
    assert client_for("agent_a1").get(reverse("coaching:edit", args=[session.uuid])).status_code == 403


def test_the_sessions_page_pages_by_keyset_newest_first(client_for, personas):
    import re

    made = CoachingSession.objects.bulk_create(
        [CoachingSession(title=f"Paged {n}", coach=personas.supervisor_a) for n in range(55)]
    )
    client = client_for("admin")
    first = client.get(reverse("coaching:list")).content.decode()
    titles = re.findall(r">(Paged \d+)</a>", first)
    assert titles == [f"Paged {n}" for n in range(54, 4, -1)]  # 50, newest (highest id at equal times) first
    cursor = re.search(r'href="\?(cursor=[^"]+)" data-testid="next-page"', first).group(1)
    second = client.get(f"{reverse('coaching:list')}?{cursor}").content.decode()
    assert re.findall(r">(Paged \d+)</a>", second) == [f"Paged {n}" for n in range(4, -1, -1)]
    assert 'data-testid="next-page"' not in second and len(made) == 55
    scheduled = client.get(reverse("coaching:list"), {"status": "cancelled"}).content.decode()
    assert "Paged" not in scheduled
