"""Navigation entries of the web app; the web shell collects every app's `NAV`."""

NAV = [
    ("综合展示", [
        ("应急一张图", "web:onemap", "core.view_region"),
    ]),
]
