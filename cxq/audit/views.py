from __future__ import annotations

import json

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from cxq.accounts.decorators import perm_required
from cxq.audit import selectors
from cxq.audit.filters import AuditFilter
from cxq.lib.csvio import csv_stream_response
from cxq.lib.inputs import filter_status

PAGE = 50


@perm_required("audit.view")
def audit_list(request):
    """Newest first, keyset-paginated on id (``?before=<id>``) so deep pages stay fast."""
    filterset = AuditFilter(request.GET or None)
    form = filterset.form
    valid = filterset.is_valid()
    qs = selectors.audit_list(viewer=request.user, filters=filterset)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs.order_by("-id")[: PAGE + 1])
    has_more = len(rows) > PAGE
    rows = rows[:PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "events": rows,
        "next_before": rows[-1].id if has_more else None,
        "filter_query": query.urlencode(),
    }
    template = "audit/list.html"
    if request.htmx and request.htmx.target == "audit-table":
        template += "#audit-table"
    return render(request, template, context, status=filter_status(request, form, valid))


@perm_required("audit.view")
def audit_export(request):
    filterset = AuditFilter(request.GET or None)
    if request.GET and not filterset.is_valid():
        return HttpResponseBadRequest(
            "Invalid filter: "
            + "; ".join(f"{field}: {' '.join(errs)}" for field, errs in filterset.form.errors.items())
        )
    qs = selectors.audit_list(viewer=request.user, filters=filterset)
    tz = timezone.get_current_timezone()

    def rows():
        for e in qs.iterator(chunk_size=2000):
            yield [
                timezone.localtime(e.created_at, tz).isoformat(),
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                json.dumps(e.after, sort_keys=True) if e.after is not None else "",
                e.ip_address or "",
            ]

    header = [
        "time",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "before",
        "after",
        "ip_address",
    ]
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_stream_response(f"cxq-audit-{stamp}.csv", header, rows())
