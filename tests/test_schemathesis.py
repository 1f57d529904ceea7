"""Schemathesis against the whole API: every operation, as an admin and as an agent (each with a personal
API token), a few dozen generated requests each. Every response must be no 5xx, have a documented
status code, and match the documented content type and schema.

- In-process: the requests go through the WSGI app on pytest-django's database; no network.
- Deterministic: hypothesis is derandomized (the examples follow from this file's code) and keeps no
  example database; nothing is shrunk, so a failure is reported as found.
- Meaningful: a generated id (in the path, a filter or the body) mostly becomes the id of a real object
  of a small world built per test, in or out of the caller's scope; otherwise it names nothing (404/400).
- Isolated: each request runs in a savepoint that is rolled back, so a DELETE or a state change leaves
  the next example the same world (every example sees fresh data).
- Bounded: EXAMPLES per operation and persona, about 4,200 requests (some 100 s of CPU).
- Complete: a failing operation does not stop the others; all failures are listed at the end, each with
  the request sent and, for a 500, the exception and the line of CXQ's code it came from.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
import uuid
from copy import deepcopy
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cxq.accounts.models import Role
from cxq.accounts.services import api_token_create, role_create
from cxq.calibrations.services import session_create
from cxq.coaching.services import SessionInput as CoachingInput
from cxq.coaching.services import session_create as coaching_create
from cxq.evaluations.services import assignment_create, evaluation_save, evaluation_start, evaluation_submit
from cxq.interactions.comments import comment_create
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.notifications.services import notify
from cxq.scorecards import services as scorecards
from cxq.webhooks import secrets as webhook_secrets
from cxq.webhooks.models import Delivery, Endpoint
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

# A deeper probe now and then: CXQ_SCHEMATHESIS_EXAMPLES=200 .venv/bin/python -m pytest tests/test_schemathesis.py
EXAMPLES = int(os.environ.get("CXQ_SCHEMATHESIS_EXAMPLES", "25"))
PERSONAS = ("admin", "agent_a1")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROOT = str(Path(__file__).resolve().parents[1])
UNKNOWN = "00000000-0000-4000-8000-000000000000"  # a well-formed id that names nothing


@pytest.fixture(scope="module")
def wsgi_app():
    """The project's WSGI app, with Django's per-request connection housekeeping off (as Django's test
    client does): it would otherwise close the test's connection in the middle of its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker, wsgi_app):
    """The document as the app serves it, loaded once (the request's writes are rolled back)."""
    with django_db_blocker.unblock(), transaction.atomic():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
        transaction.set_rollback(True)
    return schema


@pytest.fixture
def world(personas) -> dict[str, list[str]]:
    """A few objects of every kind, and the ids a path segment, filter or body field can name:
    ``"path:users"`` for /users/{uuid}, ``"assignee"`` for a body's or query's assignee, …"""
    p = personas
    card = scorecards.scorecard_publish(by=p.admin, scorecard=scorecards.scorecard_create(by=p.admin, document=DOC))
    draft_card = scorecards.scorecard_create(by=p.admin, document={**DOC, "name": "Draft card"})
    call_a = interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]  # agent_a1, team A
    payload_b = {**deepcopy(PAYLOAD), "external_id": "call-2", "agent": {"email": p.agent_b1.email}}
    call_b = interaction_upsert(data=InteractionIn.model_validate(payload_b))[0]  # agent_b1, team B
    completed = evaluation_start(by=p.evaluator, interaction=call_a, scorecard=card)
    completed = evaluation_save(
        by=p.evaluator, evaluation=completed, answers={"greet": "no", "tone": 4, "disclosure": "yes"}
    )
    completed = evaluation_submit(by=p.evaluator, evaluation=completed)
    draft = evaluation_start(by=p.admin, interaction=call_b, scorecard=card)
    due = timezone.now() + timedelta(days=3)
    task = assignment_create(by=p.admin, interaction=call_b, scorecard=card, assignee=p.manager_b, due_at=due)
    session = session_create(
        by=p.admin,
        name="Calibration",
        scorecard=card,
        interaction=call_a,
        assessors=[p.evaluator, p.supervisor_a],
        benchmark=p.admin,
        due_at=due,
    )
    comment = comment_create(by=p.admin, interaction=call_a, body="Good opening", mentions=[p.supervisor_a])
    coaching = coaching_create(
        by=p.supervisor_a,
        data=CoachingInput(
            title="Greeting",
            agents=[p.agent_a1],
            coach=p.supervisor_a,
            starts_at=due,
            meeting_url="https://m.example.com/a",
        ),
    )
    phrases = phrase_set_create(by=p.admin, name="Refund", kind="topic", side="customer", phrases=["refund"])
    role = role_create(by=p.admin, name="Auditor", permissions=["audit.view"])
    other_token, _ = api_token_create(user=p.supervisor_a, name="someone else's")
    notes = [notify(recipient=user, kind="test", title="Hello", email=False) for user in (p.admin, p.agent_a1)]
    from cxq.moments.services import link_create, moment_create

    moment = moment_create(by=p.admin, interaction=call_a, start=0, end=3, title="Opening")
    link, _ = link_create(by=p.admin, moment=moment, expires_in_days=3)
    hook = Endpoint.objects.create(
        name="Warehouse",
        url="https://hooks.example.com/cxq",
        secret_sealed=webhook_secrets.seal(webhook_secrets.generate()),
        events=["evaluation.completed"],
    )
    hook_delivery = Delivery.objects.create(
        endpoint=hook,
        event_id=uuid.uuid4(),
        event_type="webhook.test",
        body="{}",
        status="failed",
        next_attempt_at=timezone.now(),
    )

    recording, screen = _media(p, call_a)

    def ids(*objects) -> list[str]:
        return [str(o.uuid) for o in objects]

    users = ids(p.admin, p.supervisor_a, p.evaluator, p.agent_a1, p.agent_b1)
    teams = ids(p.team_a, p.team_b)
    version = ids(card.current_version)
    return {
        "path:users": [*users, UNKNOWN],
        "path:teams": [*teams, UNKNOWN],
        "path:roles": [*ids(role, Role.objects.get(key="agent")), UNKNOWN],
        "path:tokens": [*ids(other_token), UNKNOWN],  # the caller's own token is added per test
        "path:notifications": [*ids(*notes), UNKNOWN],
        "path:scorecards": [*ids(card, draft_card), UNKNOWN],
        "path:interactions": [*ids(call_a, call_b), UNKNOWN],
        "path:phrase-sets": [*ids(phrases), UNKNOWN],
        "path:comments": [*ids(comment), UNKNOWN],
        "path:evaluations": [*ids(completed, draft), UNKNOWN],
        "path:assignments": [*ids(task), UNKNOWN],
        "path:calibrations": [*ids(session), UNKNOWN],
        "path:coaching": [*ids(coaching), UNKNOWN],
        "agents": ids(p.agent_a1, p.agent_b1),
        "coach": ids(p.supervisor_a, p.admin, p.agent_a1),
        "evaluation": ids(completed),
        "path:webhooks": [*ids(hook, hook_delivery), UNKNOWN],  # endpoints/{uuid} and deliveries/{uuid}
        "path:user": [*ids(p.evaluator, p.supervisor_a, p.agent_a1), UNKNOWN],
        "path:moments": [*ids(moment), UNKNOWN],
        "path:link": [*ids(link), UNKNOWN],
        "path:screen-tracks": [*ids(screen), UNKNOWN],
        "path:recording": [*ids(recording), UNKNOWN],
        "path:number": [1, 2],
        "from_version": [1],
        "to_version": [1, 2],
        "lock_version": [0, 1, 2],
        "due_at": [(due + timedelta(days=7)).isoformat(), (timezone.now() - timedelta(days=1)).isoformat()],
        "interaction": ids(call_a, call_b),
        "scorecard": ids(card, draft_card),
        "update": ids(card, draft_card),
        "version": version,
        "versions": version,
        "assignment": ids(task),
        "parent": ids(comment),
        "indicator": ids(phrases),
        "without_indicator": ids(phrases),
        "team": teams,
        "member_of": teams,
        "agent": ids(p.agent_a1, p.agent_b1),
        "evaluator": ids(p.evaluator, p.admin),
        "actor": ids(p.admin),
        "benchmark": ids(p.admin, p.evaluator),
        "assignee": ids(p.evaluator, p.manager_b, p.agent_a1),
        "user": users,
        "assessors": users,
        "mentions": users,
        "members": users,
        "leads": users,
    }


def _media(p, call):
    """A recording and a ready screen track of ``call`` (tiny WebM), with screen recording on."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.accounts.models import OrgSettings
    from cxq.interactions.models import ScreenTrack
    from cxq.interactions.recordings import recording_attach
    from tests.interactions.media import wav, webm

    OrgSettings.objects.filter(pk=OrgSettings.get().pk).update(screen_recording_enabled=True)
    audio = SimpleUploadedFile("call.wav", wav(seconds=0.5), content_type="audio/wav")
    recording = recording_attach(interaction=call, upload=audio, by=p.admin)
    data = webm(seconds=0.4)
    screen = ScreenTrack(
        interaction=call,
        monitor=1,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status="ready",
        content_type="video/webm",
        received=[[0, len(data)]],
    )
    screen.file.save("schemathesis-screen.webm", ContentFile(data), save=False)
    screen.save()
    return recording, screen


def _is_uuid(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _swappable(value, choices: list) -> bool:
    """An id (or list of ids) may become a real one; a field whose choices are not ids (a due date, a
    version number) may take one of them whatever was generated."""
    if isinstance(value, list):
        return bool(value) and all(_is_uuid(v) for v in value)
    return _is_uuid(value) or (not isinstance(value, dict) and not _is_uuid(choices[0]))


def _real_values(data, value, key: str, world: dict):
    """``value`` with what is generated under a key of ``world`` mostly (3 in 4) swapped for a real id or
    a meaningful value, so requests reach the services rather than stop at "not found"."""
    if isinstance(value, dict):
        return {k: _real_values(data, v, k, world) for k, v in value.items()}
    choices = world.get(key)
    if choices and _swappable(value, choices) and data.draw(st.integers(0, 3), label=f"keep {key}") < 3:
        if isinstance(value, list):
            return data.draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True), label=key)
        return data.draw(st.sampled_from(choices), label=key)
    if isinstance(value, list):
        return [_real_values(data, v, key, world) for v in value]
    return value


class ServerErrors(logging.Handler):
    """Django logs a 500's exception on ``django.request``: kept to name the failing line."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        if record.exc_info:
            kind, exc, tb = record.exc_info
            frames = traceback.extract_tb(tb)
            ours = [f for f in frames if f"{ROOT}/cxq/" in f.filename] or frames
            where = ours[-1]
            place = f"{where.filename.removeprefix(ROOT + '/')}:{where.lineno}"
            self.seen.append(f"{kind.__name__}: {exc}\n  at {place}: {where.line}")


def _exercise(operation, world: dict, headers: dict, errors: ServerErrors) -> str | None:
    """EXAMPLES generated requests to one operation; the first failure, described, or None."""
    segment = operation.path.removeprefix("/api/v1/").split("/")[0]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(), data=st.data())
    def run(case, data):
        for name in list(case.path_parameters or {}):
            choices = world.get(f"path:{segment}" if name == "uuid" else f"path:{name}")
            if choices:
                case.path_parameters[name] = data.draw(st.sampled_from(choices), label=name)
        if case.query:
            case.query = _real_values(data, case.query, "", world)
        if isinstance(case.body, dict):
            case.body = _real_values(data, case.body, "", world)
        errors.seen.clear()
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        body = "" if case.body is NOT_SET else f" body={json.dumps(case.body, default=str)[:2000]}"
        sent[:] = [f"{case.method} {case.formatted_path} query={case.query}{body}", *errors.seen]
        case.validate_response(response, checks=CHECKS, headers=headers)

    sent: list[str] = []  # the last request and its server error: the failing one, as nothing is shrunk
    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports several failures as a group
        return "\n".join([f"{type(exc).__name__}: {exc}", *sent])
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_as_documented(api_schema, world, personas, persona):
    """Every operation is exercised even when one fails; the failures are listed together at the end."""
    user = personas.get(persona)
    own_token, raw = api_token_create(user=user, name="schemathesis")
    world["path:tokens"].append(str(own_token.uuid))
    headers = {"Authorization": f"Bearer {raw}"}
    errors = ServerErrors()
    logging.getLogger("django.request").addHandler(errors)
    failures = []
    try:
        for result in api_schema.get_all_operations():
            operation = result.ok()
            failure = _exercise(operation, world, headers, errors)
            if failure:
                failures.append(f"--- {operation.label} as {persona}\n{failure}")
    finally:
        logging.getLogger("django.request").removeHandler(errors)
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
