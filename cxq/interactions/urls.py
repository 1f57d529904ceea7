from django.urls import path

from cxq.interactions import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("new/", views.interaction_new, name="new"),
    path("<uuid:uuid>/", views.interaction_detail, name="detail"),
    path("<uuid:uuid>/recordings/", views.recording_upload, name="recording_upload"),
    path("<uuid:uuid>/recordings/<uuid:recording>/", views.recording_media, name="recording_media"),
]
