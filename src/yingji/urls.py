"""URLs: every yingji app's pages (its urls.py) and API routes (its api_urls.routes), found in INSTALLED_APPS
order by core/discovery.py, so that a new app mounts itself with no edit here."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from yingji.core.api import TokenLoginView
from yingji.core.discovery import app_modules
from yingji.core.forms import LoginForm
from yingji.core.health import healthz, readyz
from yingji.core.metrics import metrics_view

router = DefaultRouter()
for module in app_modules("api_urls"):  # (prefix, viewset, basename) of each app
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

api_patterns = [
    path("", include(router.urls)),
    path("auth/token/", TokenLoginView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
]

urlpatterns = [
    # Operations (no login; answered early by core.health.OpsEndpointsMiddleware): docs/ops-monitoring.md.
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    *(path("", include(module)) for module in app_modules("urls")),
]

# Chinese error pages in the base layout; the API's error shape under /api/.
handler400 = "yingji.core.errors.bad_request"
handler403 = "yingji.core.errors.permission_denied"
handler404 = "yingji.core.errors.page_not_found"
handler500 = "yingji.core.errors.server_error"
