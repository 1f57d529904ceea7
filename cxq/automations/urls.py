from django.urls import path

from cxq.automations import views

app_name = "automations"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_new, name="new"),
    path("reorder/", views.rules_reorder, name="reorder"),
    path("test/", views.rules_test, name="test"),
    path("<uuid:uuid>/", views.rule_edit, name="edit"),
    path("<uuid:uuid>/duplicate/", views.rule_duplicate, name="duplicate"),
    path("<uuid:uuid>/delete/", views.rule_delete, name="delete"),
    path("<uuid:uuid>/toggle/", views.rule_toggle, name="toggle"),
    path("<uuid:uuid>/move/", views.rule_move, name="move"),
]
