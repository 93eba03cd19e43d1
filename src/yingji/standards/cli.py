"""`yingji standards …`: check a case against the encoded standards without the web UI."""

import json
import sys

import click


@click.group("standards")
def standards():
    """国家标准查询：事故分级、事件分类代码。"""


@standards.command("accident-grade")
@click.option("--deaths", default="0", show_default=True, help="死亡人数")
@click.option("--missing", default="0", show_default=True, help="下落不明人数（与死亡合并计算，493号令第十二条）")
@click.option("--serious-injuries", default="0", show_default=True, help="重伤（含急性工业中毒）人数")
@click.option("--loss-wan", default="0", show_default=True, help="直接经济损失（万元）")
@click.option("--type", "event_code", default=None,
              help="事件代码（如 12H00 道路交通事故）：决定是否适用493号令（第二条）和伤亡变化补报期")
@click.option("--production", "production_activity", type=click.Choice(["yes", "no", "unknown", "defence"]),
              default=None, help="是否在生产经营活动中发生（默认按事件代码预填；defence = 国防科研生产）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def accident_grade(deaths, missing, serious_injuries, loss_wan, event_code, production_activity, as_json):
    """Grade an accident per 国务院令第493号 第三条, when 第二条 says the regulation applies."""
    from .accidents import grade_accident, order493_scope

    try:
        scope = order493_scope(event_code, production_activity) if event_code else None
        result = grade_accident(deaths, serious_injuries, loss_wan, event_code, missing) if (
            scope is None or scope.applies) else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        out = result.as_dict() if result else {"grade": None}
        out.update(applies=True if scope is None else scope.applies, provisional=bool(scope and scope.provisional),
                   scope_reason=scope.reason if scope else "")
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if result is None:
        click.echo(f"不适用493号令：{scope.reason}")
        return
    reason = "、".join(result.decided_by) or "未达到较大事故任一标准"
    click.echo(f"{result.grade}（依据：{reason}）" + ("；" + scope.reason if scope and scope.provisional else ""))
    click.echo(f"逐级上报至：{result.report_up_to}；组织调查：{result.investigated_by}")
    click.echo(f"伤亡人数变化补报期：{result.casualty_window_days} 日")


@standards.command("event-code")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def event_code(query, as_json):
    """Look up a GB/T 35561 event code, or search all levels by code prefix or Chinese name."""
    from . import event_codes

    try:
        matches = [event_codes.get(query)]
    except ValueError:
        matches = event_codes.search(query)
    if not matches:
        click.echo(f"没有找到与“{query}”对应的事件代码或名称。", err=True)
        sys.exit(1)
    table = event_codes.table()
    rows = [{"code": m.code, "name": m.name, "level": m.level, "parent": m.parent_code,
             "parent_name": table[m.parent_code].name if m.parent_code else None,
             "top_code": m.top_code, "top_name": table[m.top_code].name, "class_code": m.class_code}
            for m in matches]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for match, row in zip(matches, rows, strict=True):
        ancestors = " › ".join(f"{c.code} {c.name}" for c in event_codes.path(match.code)[:-1])
        click.echo(f"{row['code']}  {row['name']}（{row['level']}" + (f"，属 {ancestors}）" if ancestors else "）"))


@standards.command("major-hazard")
@click.option("--item", "items", multiple=True, required=True, metavar="NAME_OR_CATEGORY:TONNES",
              help="一种危险化学品及其设计最大量（吨）：表1名称（如 氯:5）或表2类别（如 W5.1:30）；"
                   "不在表1中的物质写成 名称/类别:吨数（如 丁酮/W5.3:800）。可重复。")
@click.option("--population", default="0", show_default=True, help="厂区边界外500米范围内常住人口（人），定α")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def major_hazard(items, population, as_json):
    """Identify and grade one 生产单元 or 储存单元 per GB 18218-2018 (S = Σq/Q; R = α·Σβq/Q)."""
    from . import major_hazard as gb18218

    try:
        result = gb18218.assess([gb18218.parse_item(item) for item in items], population)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    for line in result.lines:
        sub = line.substance
        click.echo(f"{sub.name}：q = {line.tonnes} t，Q = {sub.critical_t} t（{sub.q_source}），q/Q = {line.ratio:.4f}，"
                   f"β = {sub.beta}（{sub.beta_source}）")
    click.echo(f"S = {result.S:.4f}" + ("，构成重大危险源" if result.major else "，不构成重大危险源（S < 1）"))
    if result.major:
        click.echo(f"α = {result.alpha}（厂外500米内 {result.people} 人），R = {result.R:.4f}，{result.level}重大危险源")


@standards.command("lec")
@click.option("--l", "likelihood", required=True, help="L 事故发生的可能性分值（10、6、3、1、0.5、0.2、0.1）")
@click.option("--e", "exposure", required=True, help="E 暴露于危险环境的频繁程度分值（10、6、3、2、1、0.5）")
@click.option("--c", "consequence", required=True, help="C 发生事故可能造成的后果分值（100、40、15、7、3、1）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def lec(likelihood, exposure, consequence, as_json):
    """Grade a risk point by LEC (D = L × E × C) into the four colours."""
    from . import risk

    try:
        result = risk.lec(likelihood, exposure, consequence)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    click.echo(f"D = {result.score_text}：{result.band.level}（{result.band.colour}），{result.band.meaning}")


commands = [standards]
