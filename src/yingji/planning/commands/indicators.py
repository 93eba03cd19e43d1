"""`yingji planning` commands of plan indicators (指标) with targets, yearly denominators and computed actuals."""

import json

import click


@click.command("indicators")
@click.option("--region", "region_name", default="", help="只列该区划（名称或区划代码）的指标")
@click.option("--townships", is_flag=True, help="同时列出下级区划的逐年数值")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def indicators(region_name, townships, as_json):
    """列出规划指标：目标、指标属性（约束性/预期性）与按记录计算的逐年实际值（缺少分母的年份不给数值）。"""
    from yingji.cli import setup_django

    setup_django()
    from django.db.models import Q

    from yingji.core.models import Region

    from ..models import Indicator
    from ..services.indicators import compute

    queryset = Indicator.objects.select_related("region")
    if region_name:
        region = Region.objects.filter(Q(name=region_name) | Q(code=region_name)).first()
        if region is None:
            raise click.ClickException(f"找不到区划“{region_name}”。")
        queryset = queryset.filter(region=region)
    results = compute(queryset, townships=townships)
    if as_json:
        rows = []
        for result in results:
            row = result.as_dict()
            if townships:
                row["townships"] = [{"region": r.name, "actuals": [f.as_dict() for f in figures]}
                                    for r, figures in result.townships]
            rows.append(row)
        click.echo(json.dumps({"indicators": rows}, ensure_ascii=False, indent=2))
        return
    for result in results:
        ind = result.indicator
        click.echo(f"{ind.number}. {ind.name}（{ind.region.name}）目标：{ind.target_year}年{ind.target_label}"
                   f" · {ind.attribute} · {result.status}")
        for figure in result.figures:
            shown = f"{figure.value:.4g}" if figure.value is not None else figure.missing or "—"
            click.echo(f"    {figure.year}：{shown}{'（手工填报）' if figure.manual else ''}")


COMMANDS: list = [indicators]
