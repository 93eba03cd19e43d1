"""The start-up check (core/checks.py) refuses a routed endpoint that would serve region-scoped data unscoped."""

import types

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import include, path
from django.views.generic import DetailView, ListView
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from yingji.core.api_base import ScopedReadOnlyViewSet
from yingji.core.checks import check_scoping
from yingji.core.generic import ScopedMixin
from yingji.resources.models import RescueForce


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = RescueForce
        fields = ["id", "name"]


class ForgetfulForceViewSet(viewsets.ReadOnlyModelViewSet):
    """What a new app might write: a plain DRF viewset over a scoped model, scoping forgotten."""

    queryset = RescueForce.objects.all()
    serializer_class = ForceSerializer


class TypeViewSet(ScopedReadOnlyViewSet):
    """A scoped base over a model that has no region at all."""

    queryset = ContentType.objects.all()


class PublicTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ContentType.objects.all()
    scoping_public = ""  # marked public without a reason


class ScopedForceViewSet(ScopedReadOnlyViewSet):
    queryset = RescueForce.objects.all()
    serializer_class = ForceSerializer


class HandMadeForceViewSet(ScopedReadOnlyViewSet):
    """The scoped base, but a get_queryset() that starts over from the model's manager."""

    queryset = RescueForce.objects.all()
    serializer_class = ForceSerializer

    def get_queryset(self):
        return RescueForce.objects.filter(status="on_duty")


class FilteredForceViewSet(ScopedForceViewSet):
    def get_queryset(self):
        return super().get_queryset().filter(status="on_duty")


class ForgetfulForceList(ListView):
    model = RescueForce


class TypeDetail(ScopedMixin, DetailView):
    model = ContentType


class ScopedForceDetail(ScopedMixin, DetailView):
    model = RescueForce


def _urlconf(*viewsets_, views=()):
    router = DefaultRouter()
    for number, viewset in enumerate(viewsets_):
        router.register(f"r{number}", viewset, basename=f"r{number}")
    module = types.ModuleType("dummy_urls")
    module.urlpatterns = [path("api/", include(router.urls)),
                          *(path(f"p{n}/<int:pk>/", view.as_view()) for n, view in enumerate(views))]
    return module


def _ids(urlconf):
    return sorted(e.id for e in check_scoping(urlconf=urlconf))


def test_the_project_passes_its_own_check():
    assert check_scoping() == []
    call_command("check")  # registered: it runs at start-up with the others


def test_an_unscoped_viewset_is_reported():
    errors = check_scoping(urlconf=_urlconf(ForgetfulForceViewSet))
    assert [e.id for e in errors] == ["yingji.E002"]
    assert "ForgetfulForceViewSet" in errors[0].msg and "RescueForce" in errors[0].msg


def test_a_viewset_over_a_model_without_region_is_reported_unless_public_with_a_reason():
    assert _ids(_urlconf(TypeViewSet)) == ["yingji.E001"]
    assert _ids(_urlconf(PublicTypeViewSet)) == ["yingji.E005"]
    PublicTypeViewSet.scoping_public = "测试：内容类型不属于任何区划。"
    try:
        assert _ids(_urlconf(PublicTypeViewSet)) == []
    finally:
        PublicTypeViewSet.scoping_public = ""


def test_a_get_queryset_that_ignores_the_scoped_one_is_reported():
    assert _ids(_urlconf(HandMadeForceViewSet)) == ["yingji.E006"]
    assert _ids(_urlconf(FilteredForceViewSet)) == []


def test_pages_are_checked_too():
    assert _ids(_urlconf(views=[ForgetfulForceList])) == ["yingji.E004"]
    assert _ids(_urlconf(views=[TypeDetail])) == ["yingji.E003"]


def test_scoped_viewsets_and_pages_pass():
    assert _ids(_urlconf(ScopedForceViewSet, views=[ScopedForceDetail])) == []
