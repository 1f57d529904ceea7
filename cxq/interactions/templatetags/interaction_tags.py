"""Page parts other apps show of an interaction: its evidence (docs/interactions.md#evidence-beside-an-evaluation)."""

from __future__ import annotations

from collections import defaultdict

from django import template

from cxq.accounts.permissions import has_perm
from cxq.interactions.models import Recording, ScreenTrack
from cxq.interactions.selectors import interaction_hits

register = template.Library()


def transcript_lines(interaction) -> list[tuple]:
    """The transcript's lines, each with the indicator and topic hits found in it."""
    by_line = defaultdict(list)
    for hit in interaction_hits(interaction):
        by_line[hit.utterance_index].append(hit)
    return [(u, by_line.get(u.index, [])) for u in interaction.utterances]


@register.inclusion_tag("interactions/_evidence.html", takes_context=True)
def interaction_evidence(context, interaction):
    """The recording's player (speed, click a line to play from it) above the transcript with its tags,
    for a page about the interaction that is not its own (an evaluation being made or read)."""
    viewer = context["request"].user
    recordings = [r for r in interaction.recordings.order_by("created_at") if r.status == Recording.Status.READY]
    return {
        "interaction": interaction,
        "recordings": recordings,
        "screens_with": recordings[0].pk if recordings else None,
        "screens": list(interaction.screen_tracks.filter(status=ScreenTrack.Status.READY).order_by("monitor")),
        "lines": transcript_lines(interaction),
        "can_download": has_perm(viewer, "recordings.download"),
    }
