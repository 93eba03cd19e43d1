"""`yingji planning …`: the plan's indicators and key projects, disaster losses and reports from the command line."""

from importlib import import_module

import click

from . import AREAS


@click.group("planning")
def planning():
    """规划实施：指标、重点项目、灾情统计与报告。"""


for _area in AREAS:
    for _command in import_module(f"yingji.planning.commands.{_area}").COMMANDS:
        planning.add_command(_command)

commands = [planning]
