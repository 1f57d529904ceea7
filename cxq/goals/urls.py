from django.urls import path

from cxq.goals import views

app_name = "goals"

urlpatterns = [
    path("", views.goal_list, name="list"),
    path("new/", views.goal_new, name="new"),
    path("<uuid:uuid>/", views.goal_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.goal_edit, name="edit"),
    path("<uuid:uuid>/generate/", views.goal_generate, name="generate"),
]
