from __future__ import annotations

from django.core.management.base import BaseCommand

from cxq.devdata.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from cxq.devdata.demo.audio import attach_demo_audio
from cxq.devdata.demo.calibrations import load_demo_calibrations
from cxq.devdata.demo.evaluations import load_demo_evaluations
from cxq.devdata.demo.goals import load_demo_goals, work_demo_goals
from cxq.devdata.demo.interactions import load_demo_interactions
from cxq.devdata.demo.moments import load_demo_moments
from cxq.devdata.demo.scorecards import load_demo_scorecards
from cxq.devdata.demo.screens import attach_demo_screens


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent: run it as often as you like)."

    def handle(self, *args, **opts):
        created = load_demo()
        scorecards = load_demo_scorecards()
        interactions = load_demo_interactions()
        goals = load_demo_goals()  # drawn first: the evaluations below leave the goals' tasks alone
        evaluations = load_demo_evaluations()
        goals["evaluations"] = work_demo_goals(goals["drawn"])
        recordings = attach_demo_audio()
        screens = attach_demo_screens()
        calibrations = load_demo_calibrations()
        moments = load_demo_moments()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {created['users']} users, {created['teams']} teams, {scorecards} scorecards, "
                f"{interactions['interactions']} interactions, {interactions['phrase_sets']} "
                f"indicators/topics, {evaluations} evaluations, {recordings} recordings and {screens} screen "
                "recordings created."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Goals: {goals['goals']} created, {goals['periods']} weekly periods drawn, "
                f"{goals['evaluations']} of their tasks evaluated. Calibration sessions: {calibrations} created."
            )
        )
        if moments["moments"]:
            self.stdout.write(self.style.SUCCESS(f"Moments: {moments['moments']} created."))
            self.stdout.write(f"A moment shared by external link (this URL is shown once): {moments['link']}")
        self.stdout.write(f"Log in with any of these (password {DEMO_PASSWORD}):")
        for spec in DEMO_LOGINS:
            self.stdout.write(f"  {spec.role:<11} {spec.email}")
