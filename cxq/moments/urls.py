from django.urls import path

from cxq.moments import views

app_name = "moments"

urlpatterns = [
    path("moments/", views.moment_list, name="list"),
    path("moments/policy/", views.policy_edit, name="policy"),
    path("moments/<uuid:uuid>/", views.moment_detail, name="detail"),
    path("moments/<uuid:uuid>/clip/", views.moment_clip, name="clip"),
    path("moments/<uuid:uuid>/delete/", views.moment_delete, name="delete"),
    path("moments/<uuid:uuid>/share/", views.moment_share, name="share"),
    path("moments/<uuid:uuid>/links/", views.link_create, name="link_create"),
    path("moments/links/<uuid:uuid>/revoke/", views.link_revoke, name="link_revoke"),
    path("interactions/<uuid:uuid>/moments/", views.moment_create, name="create"),
    path("s/<str:token>/", views.public_view, name="public"),
    path("s/<str:token>/clip/", views.public_clip, name="public_clip"),
]
