"""Coaching journey (docs/coaching.md): a supervisor opens an evaluation, schedules a coaching session from
it with a question as the focus, and the agent finds it on their dashboard and acknowledges it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxq.coaching.models import CoachingSession
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
    start = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_starts_at", start)
    page.fill("#id_duration_minutes", "45")
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
