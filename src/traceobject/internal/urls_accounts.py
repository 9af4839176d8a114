"""Back-office URLs of the accounts area; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_accounts as views

urlpatterns: list[URLPattern] = [
    path("login/", views.login, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("login/enrol/", views.login_enrol, name="login-enrol"),
    path("logout/", views.logout, name="logout"),
    path("reauth/", views.reauth, name="reauth"),
    path("account/", views.account_settings, name="account-settings"),
    path("account/evidence-view/", views.account_evidence_view,
         name="account-evidence-view"),
    path("account/tokens/", views.tokens, name="account-tokens"),
    path("account/tokens/new/", views.token_create, name="account-token-create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account-token-revoke"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/roles/", views.user_roles, name="user-roles"),
    path("users/<int:pk>/second-factor/reset/", views.user_second_factor_reset,
         name="user-second-factor-reset"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("users/<int:pk>/active/", views.user_active, name="user-active"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
]
