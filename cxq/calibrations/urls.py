from django.urls import path

from cxq.calibrations import views

app_name = "calibrations"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_new, name="new"),
    path("interaction-options/", views.interaction_options, name="interaction_options"),
    path("agreement/", views.agreement, name="agreement"),
    path("<uuid:uuid>/", views.session_detail, name="detail"),
    path("<uuid:uuid>/start/", views.session_start, name="start"),
    path("<uuid:uuid>/assessors/", views.assessor_add, name="assessor_add"),
    path("<uuid:uuid>/assessors/<uuid:user>/remove/", views.assessor_remove, name="assessor_remove"),
    path("<uuid:uuid>/close/", views.session_close, name="close"),
    path("<uuid:uuid>/export.csv", views.session_export, name="export"),
]
