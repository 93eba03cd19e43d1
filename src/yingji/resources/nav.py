NAV = [
    ("应急资源", [
        ("救援队伍", "resources:force_list", "resources.view_rescueforce"),
    ]),
]
