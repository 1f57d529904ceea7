from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from cxq.accounts.decorators import perm_required
from cxq.notifications import selectors, services
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail


def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    qs = selectors.notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


def bell(request):
    """The bell's count, polled by htmx."""
    return render(request, "base.html#bell", {"unread_notifications": selectors.unread_count(user=request.user)})


@require_POST
def mark_read(request, uuid):
    note = selectors.notification_get_for(user=request.user, uuid=uuid)
    services.notification_mark_read(user=request.user, notification=note)
    if request.htmx:
        context = {"note": note, "unread_notifications": selectors.unread_count(user=request.user)}
        return render(request, "notifications/list.html#note-row-with-bell", context)
    if request.POST.get("follow") and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(user=request.user)
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect("notifications:list")


@perm_required("settings.edit")
def outbox(request):
    status = request.GET.get("status", "")
    qs = OutboundEmail.objects.all()
    if status in EmailStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": EmailStatus.choices}
    return render(request, "notifications/outbox.html", context)


@require_POST
@perm_required("settings.edit")
def outbox_retry(request, pk):
    mail = get_object_or_404(OutboundEmail, pk=pk)
    if mail.status != EmailStatus.FAILED:
        messages.error(request, "Only failed mails can be retried.")
        return redirect("notifications:outbox")
    services.email_retry(mail=mail)
    messages.success(request, f"Mail to {mail.to} queued again.")
    return redirect("notifications:outbox")
