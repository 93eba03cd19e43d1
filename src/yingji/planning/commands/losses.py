"""`yingji planning losses`: the disaster events (灾害过程) with each township's accepted current figures and the
county's exact sum, and `--years` for the yearly totals the indicators divide."""

import json

import click


def _plain(values: dict) -> dict:
    from ..models import COUNT_FIELDS

    return {k: (v if k in COUNT_FIELDS or not hasattr(v, "quantize") else str(v)) for k, v in values.items()}


@click.command("losses")
@click.option("--region", "code", default="", help="区划代码（默认全部）")
@click.option("--years", default="", help="按年汇总，如 2021-2025")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def losses(code, years, as_json):
    """灾情报告：各灾害过程的分乡镇灾情与县级汇总；--years 给出按年汇总。"""
    from yingji.cli import setup_django

    setup_django()
    from yingji.core.models import Region

    from ..models import DisasterEvent
    from ..services import losses as services

    regions = Region.objects.filter(code=code) if code else Region.objects.filter(parent__isnull=True)
    if code and not regions.exists():
        raise click.BadParameter(f"找不到区划代码“{code}”。", param_hint="--region")
    if years:
        first, _, last = years.partition("-")
        try:
            span = range(int(first), int(last or first) + 1)
        except ValueError:
            raise click.BadParameter("年份应为如 2021-2025。", param_hint="--years") from None
        totals = {year: _plain(row) for year, row in services.yearly_totals(regions, span).items()}
        click.echo(json.dumps(totals, ensure_ascii=False, indent=2) if as_json else "\n".join(
            f"{year}：受灾人口 {row['affected_people']} 人次，死亡 {row['deaths']} 人，失踪 {row['missing']} 人，"
            f"直接经济损失 {row['direct_loss']} 万元（{row['reports']} 份报告）" for year, row in totals.items()))
        return
    events = DisasterEvent.objects.filter(region__path__startswith=regions.first().path) if code else DisasterEvent.objects.all()
    out = []
    for event in events.select_related("region").order_by("occurred_at"):
        totals = services.aggregate(event)
        out.append({"id": event.pk, "name": event.name, "hazard": event.hazard_label, "started_on": str(event.started_on),
                    "region": event.region.name, "total": _plain(totals["total"]),
                    "townships": [_plain(t) for t in totals["townships"]]})
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for item in out:
        total = item["total"]
        click.echo(f"{item['started_on']} {item['name']}（{item['hazard']}）：{len(item['townships'])} 个乡镇，"
                   f"受灾人口 {total['affected_people']} 人次，直接经济损失 {total['direct_loss']} 万元")


COMMANDS = [losses]
