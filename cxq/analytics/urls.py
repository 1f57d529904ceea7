from django.urls import path

from cxq.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.breakdown, name="breakdown"),
    path("trends/", views.trends, name="trends"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("me/", views.me, name="me"),
    path("my-evaluations/", views.my_work, name="my_work"),
]
