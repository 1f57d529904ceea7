"""The media responses the pages and the API share (docs/interactions.md#recordings,
docs/screen-recordings.md): one rule for both. Whoever may see the interaction may play (stream) its
recordings and screens; taking a recording away as a file, alone or combined, needs
``recordings.download``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import has_perm
from cxq.interactions.combined import combined_download
from cxq.interactions.models import Interaction, Recording, ScreenTrack
from cxq.interactions.recordings import MEDIA_TYPES
from cxq.lib.media import ranged_response


def recording_response(request, *, interaction: Interaction, recording, download: bool):
    item = get_object_or_404(Recording, uuid=recording, interaction=interaction)
    if item.status != Recording.Status.READY or not item.file:
        raise Http404("This recording is not available.")
    if download and not has_perm(request.user, "recordings.download"):
        raise PermissionDenied("Your role does not allow downloading recordings.")
    name = f"{interaction.external_id or interaction.uuid}{MEDIA_TYPES.get(item.content_type, '')}"
    return ranged_response(
        request,
        item.file.open("rb"),
        size=item.file.size,
        content_type=item.content_type,
        filename=name,
        attachment=download,
    )


def screen_response(request, *, track: ScreenTrack):
    if track.status != ScreenTrack.Status.READY or not track.file:
        raise Http404("This screen recording is not available.")
    return ranged_response(request, track.file.open("rb"), size=track.file.size, content_type=track.content_type)


def combined_response(*, interaction: Interaction, by):
    if not has_perm(by, "recordings.download"):
        raise PermissionDenied("Your role does not allow downloading recordings.")
    combined = combined_download(interaction=interaction, by=by)
    response = FileResponse(
        combined.file, content_type=combined.content_type, as_attachment=True, filename=combined.filename
    )
    response["Content-Length"] = str(combined.size)
    return response
