"""The demo county's places lie inside its real outline: a demo record must not raise the out-of-region warning
a duty officer would see for a slip of the finger."""

import pytest
from django.apps import apps
from shapely.geometry import Point, shape

from yingji.core.models import Region

pytestmark = pytest.mark.django_db


def test_every_located_demo_record_of_the_county_lies_inside_its_outline(demo):
    county = Region.objects.get(code="512022")
    outline = shape(county.boundary)
    outside = [f"区划 {r.name}" for r in Region.objects.filter(path__startswith=county.path).exclude(pk=county.pk)
               if r.longitude is not None and not outline.contains(Point(r.longitude, r.latitude))]
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if model is Region or not {"longitude", "latitude", "region"} <= names:
            continue
        records = model.objects.filter(region__path__startswith=county.path, longitude__isnull=False)
        outside += [f"{model._meta.verbose_name} {r}" for r in records.select_related("region")
                    if not outline.contains(Point(r.longitude, r.latitude))]
    assert outside == []


def test_the_city_zones_lie_inside_the_city(demo):
    city = Region.objects.get(code="512000")
    outline = shape(city.boundary)
    assert all(outline.contains(Point(r.longitude, r.latitude)) for r in Region.objects.filter(parent=city))
