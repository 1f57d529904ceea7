from django.contrib.auth.decorators import login_not_required
from django.urls import path

from cxq.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", login_not_required(views.LoginView.as_view()), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/forgot/", login_not_required(views.password_reset_request), name="password_reset"),
    path(
        "login/reset/<uidb64>/<token>/",
        login_not_required(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("account/", views.profile, name="profile"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<uuid:uuid>/", views.user_detail, name="user_detail"),
    path("users/<uuid:uuid>/edit/", views.user_edit, name="user_edit"),
    path("users/<uuid:uuid>/password/", views.user_password, name="user_password"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<uuid:uuid>/", views.team_detail, name="team_detail"),
    path("teams/<uuid:uuid>/edit/", views.team_edit, name="team_edit"),
    path("teams/<uuid:uuid>/delete/", views.team_delete, name="team_delete"),
    path("admin/roles/", views.role_list, name="role_list"),
    path("admin/roles/new/", views.role_create, name="role_create"),
    path("admin/roles/<uuid:uuid>/", views.role_edit, name="role_edit"),
    path("admin/roles/<uuid:uuid>/duplicate/", views.role_duplicate, name="role_duplicate"),
    path("admin/roles/<uuid:uuid>/delete/", views.role_delete, name="role_delete"),
    path("pick/agents/", views.pick_agents, name="pick_agents"),
    path("pick/evaluators/", views.pick_evaluators, name="pick_evaluators"),
    path("pick/teams/", views.pick_teams, name="pick_teams"),
    path("admin/settings/", views.org_settings, name="org_settings"),
]
