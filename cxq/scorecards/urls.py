from django.urls import path

from cxq.scorecards import views

app_name = "scorecards"

urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("new/", views.scorecard_new, name="new"),
    path("pick/", views.scorecard_pick, name="pick"),
    path("import/", views.scorecard_import, name="import"),
    path("template.csv", views.scorecard_template, name="template"),
    path("validate/", views.scorecard_validate, name="validate"),
    path("builder-preview/", views.builder_preview, name="builder_preview"),
    path("preview-score/", views.preview_score, name="preview_score"),
    path("<uuid:uuid>/", views.scorecard_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.scorecard_edit, name="edit"),
    path("<uuid:uuid>/preview/", views.scorecard_preview, name="preview"),
    path("<uuid:uuid>/versions/", views.scorecard_versions, name="versions"),
    path("<uuid:uuid>/export/", views.scorecard_export, name="export"),
    path("<uuid:uuid>/publish/", views.scorecard_publish, name="publish"),
    path("<uuid:uuid>/archive/", views.scorecard_archive, name="archive"),
    path("<uuid:uuid>/restore/", views.scorecard_restore, name="restore"),
    path("<uuid:uuid>/duplicate/", views.scorecard_duplicate, name="duplicate"),
    path("<uuid:uuid>/delete/", views.scorecard_delete, name="delete"),
]
