from django.urls import path

from cxq.interactions import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("new/", views.interaction_new, name="new"),
    path("filters/", views.saved_filter_create, name="saved_filter_create"),
    path("filters/<uuid:uuid>/rename/", views.saved_filter_rename, name="saved_filter_rename"),
    path("filters/<uuid:uuid>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("indicators/", views.phrase_set_list, name="phrase_sets"),
    path("indicators/new/", views.phrase_set_new, name="phrase_set_new"),
    path("indicators/rerun/", views.enrichment_rerun, name="enrichment_rerun"),
    path("indicators/<uuid:uuid>/", views.phrase_set_edit, name="phrase_set_edit"),
    path("indicators/<uuid:uuid>/delete/", views.phrase_set_delete, name="phrase_set_delete"),
    path("<uuid:uuid>/", views.interaction_detail, name="detail"),
    path("<uuid:uuid>/recordings/", views.recording_upload, name="recording_upload"),
    path("<uuid:uuid>/comments/", views.comment_create, name="comment_create"),
    path("comments/<uuid:uuid>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<uuid:uuid>/delete/", views.comment_delete, name="comment_delete"),
    path("<uuid:uuid>/recordings/combined/", views.recordings_combined, name="recordings_combined"),
    path("<uuid:uuid>/recordings/<uuid:recording>/", views.recording_media, name="recording_media"),
    path("<uuid:uuid>/screens/<uuid:track>/", views.screen_media, name="screen_media"),
]
