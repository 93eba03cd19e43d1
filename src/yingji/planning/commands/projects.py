"""`yingji planning` commands of key projects (重点项目) with sub-projects and funding plans by source and year."""

import json
from decimal import Decimal

import click


def _amount(value):
    """Amounts as strings with two places ("12825.00"): exact, as 万元 are kept; None stays None (no figure)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _money_tree(value):
    if isinstance(value, dict):
        return {str(k): _money_tree(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return _amount(value)
    return value


def programme_report(region, programme: str) -> dict:
    """One programme's projects with their sub-projects and amounts, and its totals (overall, by funding level,
    by year, by district)."""
    from ..models import KeyProject
    from ..services import projects as services

    projects = []
    for project in KeyProject.objects.filter(region=region, programme=programme).order_by("number"):
        table = services.project_table(project)
        subs = [{"number": r["subproject"].number, "name": r["subproject"].name,
                 "printed_project_name": r["subproject"].printed_project_name, "level": r["subproject"].level,
                 "total_investment": _amount(r["subproject"].total_investment),
                 "start_year": r["subproject"].start_year, "end_year": r["subproject"].end_year,
                 "plan_total": _amount(r["plan"]["total"]) if r["plan"]["by_year"] else None,
                 "plan": _money_tree(r["plan"]["by_year_column"]), "received": _amount(r["received"]),
                 "spent": _amount(r["spent"]), "warnings": r["warnings"]} for r in table["rows"]]
        projects.append({"number": project.number, "name": project.name, "lead_units": project.lead_units,
                         "support_units": project.support_units, "start_year": project.start_year,
                         "end_year": project.end_year, "progress_percent": project.progress_percent,
                         "plan_total": _amount(table["totals"]["total"]) if table["totals"]["by_year"] else None,
                         "subprojects": subs})
    sums = services.totals(services.programme_lines(region, programme))
    return {"programme": programme, "region": region.name, "projects": projects,
            "totals": {"total": _amount(sums["total"]), "by_level": _money_tree(sums["by_level"]),
                       "by_year": _money_tree(sums["by_year"]), "by_district": _money_tree(sums["by_district"]),
                       "by_project_level": _money_tree(sums["by_project_level"])}}


@click.command("projects")
@click.option("--region", "region_code", default=None, help="区划代码（默认全部）")
@click.option("--programme", default=None, help="所属计划（默认全部）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def projects(region_code, programme, as_json):
    """重点项目：各项目及其子项目、金额，以及合计（总计、按资金级别、按年度）。金额单位：万元。"""
    from yingji.cli import setup_django

    setup_django()
    from yingji.core.models import Region

    from ..models import KeyProject

    pairs = KeyProject.objects.order_by("region__code", "programme").values_list("region", "programme").distinct()
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise click.ClickException(f"找不到区划代码“{region_code}”。")
        pairs = pairs.filter(region=region)
    if programme:
        pairs = pairs.filter(programme=programme)
    regions = Region.objects.in_bulk({r for r, _ in pairs})
    reports = [programme_report(regions[r], p) for r, p in dict.fromkeys(pairs)]
    if as_json:
        click.echo(json.dumps({"programmes": reports}, ensure_ascii=False, indent=1))
        return
    for report in reports:
        click.echo(f"{report['region']}·{report['programme']}（万元）")
        for project in report["projects"]:
            click.echo(f"  {project['number']}. {project['name']}  计划 {project['plan_total']}")
            for sub in project["subprojects"]:
                click.echo(f"     {sub['number']}) {sub['name']}  总投资估算 {sub['total_investment'] or '—'}")
        totals = report["totals"]
        click.echo(f"  合计 {totals['total']}；" + "，".join(f"{k} {v}" for k, v in totals["by_level"].items())
                   + "；" + "，".join(f"{k}年 {v}" for k, v in totals["by_year"].items()))


COMMANDS = [projects]
