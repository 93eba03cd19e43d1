NAV = [
    ("接报与指挥", [
        ("突发事件", "incidents:incident_list", "incidents.view_incident"),
        ("接报登记", "incidents:incident_add", "incidents.add_incident"),
    ]),
]
