from django.urls import path

from cxq.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="list"),
    path("evaluations/disputes/", views.dispute_list, name="disputes"),
    path("evaluations/start/<uuid:interaction>/", views.evaluation_start, name="start"),
    path("evaluations/assign/<uuid:interaction>/", views.assignment_new, name="assign"),
    path("evaluations/assign-bulk/", views.assignment_bulk, name="assign_bulk"),
    path("evaluations/automated/<uuid:interaction>/", views.automated_run, name="automated_run"),
    path("evaluations/<uuid:uuid>/", views.evaluation_detail, name="detail"),
    path("evaluations/<uuid:uuid>/save/", views.evaluation_save, name="save"),
    path("evaluations/<uuid:uuid>/submit/", views.evaluation_submit, name="submit"),
    path("evaluations/<uuid:uuid>/acknowledge/", views.evaluation_acknowledge, name="acknowledge"),
    path("evaluations/<uuid:uuid>/dispute/", views.evaluation_dispute, name="dispute"),
    path("evaluations/<uuid:uuid>/respond/", views.evaluation_respond, name="respond"),
    path("evaluations/<uuid:uuid>/void/", views.evaluation_void, name="void"),
    path("evaluations/<uuid:uuid>/delete/", views.evaluation_delete, name="delete"),
    path("evaluations/<uuid:uuid>/discard/", views.evaluation_discard, name="discard"),
    path("evaluations/<uuid:uuid>/adopt/", views.evaluation_adopt, name="adopt"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<uuid:uuid>/", views.task_detail, name="task"),
    path("tasks/<uuid:uuid>/extend/", views.task_extend, name="task_extend"),
]
