from django.urls import path

from crm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("roles/", views.role_matrix_edit, name="roles"),
    path("teams/", views.team_index, name="teams"),
    path("teams/new/", views.team_edit, name="team-create"),
    path("teams/<int:pk>/", views.team_edit, name="team-edit"),
    path("users/", views.user_index, name="users"),
    path("users/<int:pk>/roles/", views.user_roles_edit, name="user-roles"),
    path("api-tokens/", views.api_token_index, name="api-tokens"),
]
