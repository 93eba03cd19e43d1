"""Navigation of monitoring (监测预警): the registry here, the alarm list from views/alarms.py."""

NAV = [
    ("监测预警", [
        ("监测点", "monitoring:sensor_list", "monitoring.view_sensor"),
        ("报警", "monitoring:alarm_list", "monitoring.view_alarm"),
        ("区域监测", "monitoring:monitoring_region_index", "monitoring.view_sensor"),
        ("企业监测", "monitoring:monitoring_enterprise_list", "monitoring.view_sensor"),
        ("采集网关", "monitoring:gateway_list", "monitoring.view_gateway"),
        ("报警规则", "monitoring:rule_list", "monitoring.view_rule"),
    ]),
]
