"""Coaching journey (docs/coaching.md, docs/schedules.md#the-slot-picker): a supervisor opens an evaluation,
schedules a coaching session from it at a suggested slot with a question as the focus, the session lands
in the agent's schedule, and the agent finds it on their dashboard and acknowledges it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxq.coaching.models import CoachingSession
from cxq.schedules.choices import Kind
from cxq.schedules.models import Entry
from tests.coaching.conftest import completed_evaluation

pytestmark = pytest.mark.e2e


def test_a_supervisor_coaches_from_an_evaluation_and_the_agent_acknowledges(personas, new_page, login, screenshot):
    evaluation = completed_evaluation(personas.evaluator, personas.agent_a1)
    page: Page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/evaluations/{evaluation.uuid}/")
    page.get_by_test_id("coach-on-evaluation").click()
    page.wait_for_url(re.compile(r"/coaching/new/\?evaluation="))
    expect(page.get_by_test_id("coaching-source")).to_contain_text("Andy Agent")
    # Tomorrow both are on shift 09:00-17:00; the agent has a meeting all morning but 11:00-11:45 is hers.
    day = timezone.localtime(timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    for person in (personas.agent_a1, personas.supervisor_a):
        Entry.objects.create(user=person, kind=Kind.SHIFT, starts_at=day.replace(hour=9), ends_at=day.replace(hour=17))
    Entry.objects.create(
        user=personas.agent_a1, kind=Kind.MEETING, starts_at=day.replace(hour=9), ends_at=day.replace(hour=16)
    )
    page.fill("#id_duration_minutes", "45")
    page.locator("[data-slot-from]").fill(day.strftime("%Y-%m-%d"))
    page.locator("[data-slot-to]").fill(day.strftime("%Y-%m-%d"))
    page.get_by_test_id("suggest-slots").click()
    first = page.locator(".slot-pick").first
    expect(first).to_have_attribute("data-slot-start", day.replace(hour=16).strftime("%Y-%m-%dT%H:%M"))
    first.click()
    expect(page.locator("#id_starts_at")).to_have_value(day.replace(hour=16).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_meeting_url", "https://meet.example.com/andy")
    page.get_by_test_id("coaching-focus").get_by_label(re.compile("Greet")).first.check()
    page.fill("#id_notes", "Use the customer's name")
    screenshot(page, "coaching-form")
    page.get_by_test_id("save-coaching").click()
    page.wait_for_url(re.compile(r"/coaching/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("coaching-focus-list")).to_contain_text("Use the customer's name")
    screenshot(page, "coaching-detail-coach")
    session = CoachingSession.objects.get()
    assert session.evaluation == evaluation and session.duration_minutes == 45
    assert timezone.localtime(session.starts_at) == day.replace(hour=16)
    page.goto(f"/evaluations/{evaluation.uuid}/")
    expect(page.get_by_test_id("evaluation-coaching")).to_contain_text(session.title)
    screenshot(page, "coaching-evaluation-panel")

    agent: Page = new_page()
    login(agent, personas.agent_a1)
    expect(agent.get_by_test_id("coaching-panel")).to_contain_text(session.title)
    screenshot(agent, "coaching-agent-dashboard")
    agent.get_by_test_id("coaching-to-ack").click()
    agent.get_by_test_id("acknowledge-coaching").click()
    expect(agent.get_by_test_id("coaching-agents")).to_contain_text("acknowledged")
    screenshot(agent, "coaching-detail-agent")
    assert session.attendees.get().acknowledged_at is not None
    agent.goto("/coaching/")
    expect(agent.get_by_test_id("coaching-upcoming")).to_contain_text(session.title)
    screenshot(agent, "coaching-home-agent")
    agent.goto(f"/schedules/?week={day.strftime('%Y-%m-%d')}")
    booked = agent.locator(f'[data-day="{day.strftime("%Y-%m-%d")}"] [data-kind="coaching"]')
    expect(booked).to_contain_text("16:00")
    screenshot(agent, "coaching-in-agent-schedule")


def test_a_voided_focus_evaluation_shows_withdrawn_on_the_session_page(personas, new_page, login, screenshot):
    """docs/coaching.md#withdrawn-focus: the items stay, struck through and marked withdrawn, after the live
    note."""
    from cxq.coaching import services
    from cxq.evaluations.services import evaluation_void
    from tests.coaching.conftest import FocusInput, session_input

    evaluation = completed_evaluation(personas.evaluator, personas.agent_a1)
    data = session_input(
        personas.supervisor_a,
        [personas.agent_a1],
        focus=[
            FocusInput(kind="evaluation", evaluation=evaluation),
            FocusInput(kind="question", evaluation=evaluation, question_key="greet"),
            FocusInput(kind="note", note="Use the customer's name"),
        ],
    )
    session = services.session_create(by=personas.supervisor_a, data=data, origin="page")
    evaluation_void(by=personas.admin, evaluation=evaluation, reason="Wrong agent")

    page: Page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/coaching/{session.uuid}/")
    withdrawn = page.get_by_test_id("focus-withdrawn")
    expect(withdrawn).to_have_count(2)
    expect(withdrawn.first).to_contain_text("withdrawn: the evaluation was voided")
    expect(page.get_by_test_id("coaching-focus-list")).to_contain_text("Use the customer's name")
    screenshot(page, "coaching-focus-withdrawn")


def test_a_busy_coach_sees_the_first_sessions_of_each_list_and_how_many_more(
    personas, new_page, login, screenshot, monkeypatch
):
    """docs/coaching.md#where-it-shows: each list holds its first BOARD_ROWS (2 here), the rest are counted
    with a link to all sessions of that status."""
    from cxq.coaching import selectors, services
    from tests.coaching.conftest import session_input

    monkeypatch.setattr(selectors, "BOARD_ROWS", 2)
    sup, agent = personas.supervisor_a, personas.agent_a1
    soon = timezone.now().replace(microsecond=0) + timedelta(days=1)
    for n in range(5):
        data = session_input(sup, [agent], title=f"Call handling {n}", starts_at=soon + timedelta(hours=n))
        services.session_create(by=sup, data=data)
    page: Page = new_page()
    login(page, agent)
    page.goto("/coaching/")
    expect(page.get_by_test_id("upcoming-table").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("upcoming-more")).to_contain_text("and 3 more upcoming")
    expect(page.get_by_test_id("coaching-todos-more")).to_contain_text("3 more to acknowledge")
    screenshot(page, "coaching-board-capped")
    page.get_by_test_id("upcoming-more").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/coaching/sessions/\?status=scheduled"))
    expect(page.get_by_role("link", name="Call handling 4")).to_be_visible()
