from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from cxq.accounts.models import Role, Team, User
from cxq.cli import main
from cxq.devdata.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD


def test_demo_is_idempotent_and_gives_one_login_per_role(db, settings, tmp_path, client):
    from cxq.moments.models import Moment, ShareLink

    settings.MEDIA_ROOT = tmp_path / "media"
    first = io.StringIO()
    call_command("demo", stdout=first)
    users, teams = User.objects.count(), Team.objects.count()
    # a few moments cut from the demo recordings, one shared by an external link that opens
    assert Moment.objects.filter(status="ready", clip_method="copy").count() >= 2
    assert ShareLink.objects.count() == 1
    link = first.getvalue().split("shown once): ")[1].split()[0]
    assert client.get("/" + link.split("/", 3)[3]).status_code == 200
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert (User.objects.count(), Team.objects.count()) == (users, teams)
    assert ShareLink.objects.count() == 1 and "Moments:" not in out.getvalue()
    assert (
        "0 users, 0 teams, 0 scorecards, 0 interactions, 0 indicators/topics, 0 evaluations, 0 recordings and 0 "
        "screen recordings created" in out.getvalue()
    )
    for spec in DEMO_LOGINS:
        user = User.objects.get(email=spec.email)
        assert user.role.key == spec.role and user.check_password(DEMO_PASSWORD)
    assert {spec.role for spec in DEMO_LOGINS} == {"admin", "supervisor", "manager", "evaluator", "agent"}


def test_createadmin_creates_an_admin_or_promotes_an_existing_user(db):
    call_command("createadmin", email="boss@example.com", password="a-long-admin-passphrase", stdout=io.StringIO())
    boss = User.objects.get(email="boss@example.com")
    assert boss.role.key == "admin" and boss.check_password("a-long-admin-passphrase")
    User.objects.create_user(email="later@example.com", full_name="Later", role=Role.objects.get(key="agent"))
    call_command("createadmin", email="later@example.com", stdout=io.StringIO())
    assert User.objects.get(email="later@example.com").role.key == "admin"


def test_createadmin_on_an_existing_user_leaves_their_password_alone_and_says_so(db):
    User.objects.create_user(email="later@example.com", full_name="Later", password="the-original-passphrase")
    out = io.StringIO()
    call_command("createadmin", email="later@example.com", password="another-long-passphrase", stdout=out)
    later = User.objects.get(email="later@example.com")
    assert later.role.key == "admin" and later.check_password("the-original-passphrase")
    assert "password was left unchanged" in out.getvalue()


def test_createadmin_refuses_a_weak_password_with_a_message(db):
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", email="weak@example.com", password="123", stdout=io.StringIO())
    assert not User.objects.filter(email="weak@example.com").exists()


def test_the_cxq_entry_point_runs_management_commands(db, capsys):
    main(["cxq", "check"])
    assert "System check identified no issues" in capsys.readouterr().out


@pytest.mark.parametrize(("worker_type", "loaded"), [("process", True), ("thread", False)])
def test_worker_loads_the_language_model_before_forking_process_workers(settings, monkeypatch, worker_type, loaded):
    from cxq.core.management.commands import worker
    from cxq.enrichment import language

    started: list[tuple[str, dict, bool]] = []

    def run_huey(name, **kwargs):
        started.append((name, kwargs, language._identifier.cache_info().currsize == 1))

    settings.HUEY_WORKER_TYPE = worker_type
    monkeypatch.setattr(worker, "call_command", run_huey)
    language._identifier.cache_clear()
    try:
        call_command("worker", workers=3)
    finally:
        language._identifier.cache_clear()
    # process workers are forked with the model already in memory (shared); threads load it on first use
    assert started == [("run_huey", {"workers": 3}, loaded)]
