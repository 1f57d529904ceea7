"""Serving stored media with HTTP range requests (RFC 7233, single ranges), so browsers can seek in
a recording without downloading all of it. Django's FileResponse has no range support; the one
package that adds it is unmaintained since 2017, so this is the ~40 lines it takes."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(handle, start: int, length: int):
    handle.seek(start)
    remaining = length
    try:
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_response(request, handle, *, size: int, content_type: str, filename: str = "", attachment: bool = False):
    """200 with the whole file, 206 with the requested byte range, or 416 for an unsatisfiable one."""
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header) if header else None
    if not match:
        response = FileResponse(handle, content_type=content_type, as_attachment=attachment, filename=filename)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first == "" and last == "":
        return _unsatisfiable(size, handle)
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return _unsatisfiable(size, handle)
    length = end - start + 1
    response = StreamingHttpResponse(_chunks(handle, start, length), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _unsatisfiable(size: int, handle) -> HttpResponse:
    handle.close()
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
