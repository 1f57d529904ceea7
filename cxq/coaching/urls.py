from django.urls import path

from cxq.coaching import views

app_name = "coaching"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/", views.session_list, name="list"),
    path("new/", views.session_new, name="new"),
    path("<uuid:uuid>/", views.session_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.session_edit, name="edit"),
    path("<uuid:uuid>/complete/", views.session_complete, name="complete"),
    path("<uuid:uuid>/cancel/", views.session_cancel, name="cancel"),
    path("<uuid:uuid>/missed/", views.session_missed, name="missed"),
    path("<uuid:uuid>/acknowledge/", views.session_acknowledge, name="acknowledge"),
    path("<uuid:uuid>/follow-ups/<int:pk>/", views.follow_up_toggle, name="follow_up"),
    path("<uuid:uuid>/invite.ics", views.session_ics, name="ics"),
]
