"""GDP has one home, core.RegionGDP (万元): planning.RegionYearStat.gdp_yi (亿元) is moved there and removed.

A year that core already holds keeps core's figure (entered on the region page, the lower app's record); the
others are copied exactly (亿元 × 10 000 = 万元, 4 decimals of 亿元 are 0 decimals of 万元). Reversible."""

from decimal import Decimal

from django.db import migrations, models

WAN_PER_YI = Decimal(10_000)


def to_core(apps, schema_editor):
    RegionYearStat = apps.get_model("planning", "RegionYearStat")
    RegionGDP = apps.get_model("core", "RegionGDP")
    held = set(RegionGDP.objects.values_list("region_id", "year"))
    RegionGDP.objects.bulk_create([
        RegionGDP(region_id=stat.region_id, year=stat.year, gdp_wan=stat.gdp_yi * WAN_PER_YI, is_demo=stat.is_demo)
        for stat in RegionYearStat.objects.exclude(gdp_yi=None) if (stat.region_id, stat.year) not in held])


def back_to_planning(apps, schema_editor):
    RegionYearStat = apps.get_model("planning", "RegionYearStat")
    RegionGDP = apps.get_model("core", "RegionGDP")
    for entry in RegionGDP.objects.all():
        RegionYearStat.objects.filter(region_id=entry.region_id, year=entry.year).update(
            gdp_yi=(entry.gdp_wan / WAN_PER_YI).quantize(Decimal("0.0001")))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_contact"),
        ("planning", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_core, back_to_planning),
        migrations.RemoveField(model_name="regionyearstat", name="gdp_yi"),
    ]
