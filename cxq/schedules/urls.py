from django.urls import path

from cxq.schedules import views

app_name = "schedules"

urlpatterns = [
    path("", views.schedule, name="week"),
    path("import/", views.import_page, name="import"),
    path("settings/", views.settings_edit, name="settings"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggest-page/", views.suggest_page, name="suggest_page"),
    path("feed/new/", views.feed_create, name="feed_create"),
    path("feed/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
