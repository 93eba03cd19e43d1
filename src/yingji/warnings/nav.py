"""Navigation of warnings (预警发布)."""

NAV = [
    ("预警发布", [
        ("预警信息", "warnings:warning_list", "warnings.view_warning"),
        ("拟稿", "warnings:warning_add", "warnings.add_warning"),
        ("接收人", "warnings:recipient_list", "warnings.view_recipient"),
        ("应急广播终端", "warnings:terminal_list", "warnings.view_loudspeakerterminal"),
        ("Webhook 订阅", "warnings:subscriber_list", "warnings.view_webhooksubscriber"),
        ("导入外部 CAP", "warnings:cap_import", "warnings.add_warning"),
        ("公众预警页面", "warnings:public_list", "warnings.view_warning"),
    ]),
]
