"""Demo moments (docs/demo.md, docs/moments.md): the supervisor marks a few moments on demo calls that have
a recording (their clips cut from those recordings, here and now rather than by the worker), shares one
with the Billing Support team and one by external link. Idempotent: nothing is made once the demo has
moments."""

from __future__ import annotations

from django.urls import reverse

from cxq.accounts.models import Team, User
from cxq.interactions.models import Interaction, Recording
from cxq.lib.urls import absolute_url
from cxq.moments import services
from cxq.moments.models import Moment

PICKS = (
    ("The customer explains the problem", "How the customer put it, in their own words.", "customer-voice"),
    ("A clear next step", "The agent says what happens next and when.", "next-steps, good-practice"),
    ("Worth a coaching talk", "Listen to the pace here.", "coaching"),
)


def load_demo_moments() -> dict:
    """Returns how many moments were made and the external link's URL (shown once: only its digest is kept)."""
    if Moment.objects.filter(interaction__external_id__startswith="demo-").exists():
        return {"moments": 0, "link": ""}
    supervisor = User.objects.filter(email="supervisor@cxq.test", is_active=True).first()
    if supervisor is None:
        return {"moments": 0, "link": ""}
    calls = list(
        Interaction.objects.filter(
            external_id__startswith="demo-",
            recordings__status=Recording.Status.READY,
            team__leads=supervisor,
        )
        .exclude(utterance_count__lt=3)
        .order_by("-started_at")
        .distinct()[: len(PICKS)]
    )
    made = []
    for call, (title, note, tags) in zip(calls, PICKS, strict=False):
        lines = call.utterances
        first, last = lines[1], lines[min(3, len(lines) - 1)]
        moment = services.moment_create(
            by=supervisor, interaction=call, start=first.start, end=last.end, title=title, note=note, tags=tags
        )
        made.append(services.moment_cut(moment_id=moment.pk))
    if not made:
        return {"moments": 0, "link": ""}
    team = Team.objects.filter(name="Billing Support").first()
    if team is not None:
        services.moment_share(by=supervisor, moment=made[0], teams=[team])
    _, token = services.link_create(by=supervisor, moment=made[-1], expires_in_days=30)
    return {"moments": len(made), "link": absolute_url(reverse("moments:public", args=[token]))}
