from django.urls import include, path

from cxq import views
from cxq.api import api
from cxq.interactions.webhooks import receive as interaction_webhook

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("cxq.accounts.urls")),
    path("", include("cxq.sso.urls")),
    path("notifications/", include("cxq.notifications.urls")),
    path("admin/audit/", include("cxq.audit.urls")),
    path("admin/webhooks/", include("cxq.webhooks.urls")),
    path("scorecards/", include("cxq.scorecards.urls")),
    path("interactions/", include("cxq.interactions.urls")),
    path("", include("cxq.evaluations.urls")),
    path("calibrations/", include("cxq.calibrations.urls")),
    path("goals/", include("cxq.goals.urls")),
    path("coaching/", include("cxq.coaching.urls")),
    path("automations/", include("cxq.automations.urls")),
    path("", include("cxq.moments.urls")),
    path("analytics/", include("cxq.analytics.urls")),
    path("schedules/", include("cxq.schedules.urls")),
    path("", include("cxq.scim.urls")),
    path("hooks/interactions/", interaction_webhook, name="interaction_webhook"),
    path("api/v1/", api.urls),
]

handler400 = "cxq.views.bad_request"
handler403 = "cxq.views.permission_denied"
handler404 = "cxq.views.page_not_found"
handler500 = "cxq.views.server_error"
