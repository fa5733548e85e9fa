from django.urls import path

from crm.accounts.api import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("teams/", views.TeamListApi.as_view(), name="team-list"),
    path("teams/<int:pk>/", views.TeamDetailApi.as_view(), name="team-detail"),
    path("roles/", views.RoleMatrixApi.as_view(), name="role-matrix"),
    path("users/", views.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/roles/", views.UserRolesApi.as_view(), name="user-roles"),
]
