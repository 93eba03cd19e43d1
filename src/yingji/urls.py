"""URLs: each app mounts its pages and its API router here."""

from importlib import import_module

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from yingji.core.api import TokenLoginView
from yingji.core.forms import LoginForm

API_APPS = ["yingji.core", "yingji.resources", "yingji.incidents", "yingji.plans"]  # each has api_urls.routes
router = DefaultRouter()
for app in API_APPS:
    for prefix, viewset, basename in import_module(f"{app}.api_urls").routes:
        router.register(prefix, viewset, basename=basename)

api_patterns = [
    path("", include(router.urls)),
    path("auth/token/", TokenLoginView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("", include("yingji.core.urls")),
    path("", include("yingji.resources.urls")),
    path("", include("yingji.incidents.urls")),
    path("", include("yingji.plans.urls")),
    path("", include("yingji.web.urls")),
]

handler404 = "yingji.core.errors.json_404"
