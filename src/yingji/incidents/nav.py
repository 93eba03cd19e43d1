NAV = [
    ("接报与指挥", [
        ("突发事件", "incidents:incident_list", "incidents.view_incident"),
        ("接报登记", "incidents:incident_add", "incidents.add_incident"),
        ("公众上报", "incidents:public_inbox", "incidents.view_publicreport"),
        ("信息报告", "incidents:report_list", "incidents.view_informationreport"),
        ("报告签收", "incidents:report_inbox", "incidents.view_reportdelivery"),
        ("值班安排", "incidents:duty_roster", "incidents.view_dutyshift"),
        ("值班日志", "incidents:duty_log", "incidents.view_dutylogentry"),
    ]),
]
