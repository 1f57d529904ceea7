from django.urls import path

from cxq.sso import views

app_name = "sso"

urlpatterns = [
    path("sso/login/", views.login_start, name="login"),
    path("sso/callback/", views.callback, name="callback"),
    path("admin/sso/", views.sso_settings, name="settings"),
]
