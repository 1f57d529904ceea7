from __future__ import annotations

import io

from django.core.management import call_command

from cxq.calibrations import selectors
from cxq.calibrations.models import Session
from cxq.devdata.demo.calibrations import load_demo_calibrations


def test_the_demo_has_a_closed_session_with_three_submissions_and_an_open_one(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "Calibration sessions: 2 created." in out.getvalue()
    closed = Session.objects.get(status="closed")
    report = selectors.session_report(closed)
    assert report.completed == 3 and report.benchmark is not None and report.spread.mean is not None
    open_session = Session.objects.get(status="open")
    assert selectors.session_report(open_session).completed == 1
    assert load_demo_calibrations() == 0  # idempotent
    assert Session.objects.count() == 2
