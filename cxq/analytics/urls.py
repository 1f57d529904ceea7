from django.urls import path

from cxq.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.breakdown, name="breakdown"),
    path("trends/", views.trends, name="trends"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("me/", views.me, name="me"),
]
