"""Navigation entries of the core app; the web shell collects every app's `NAV`."""

NAV = [
    ("基础数据", [
        ("行政区划", "core:region_list", "core.view_region"),
        ("区划定位", "core:region_locate", "core.view_region"),
        ("单位", "core:organisation_list", "core.view_organisation"),
        ("通讯录", "core:contact_list", "core.view_contact"),
    ]),
    ("系统管理", [
        ("用户", "core:user_list", "core.view_user"),
        ("操作审计", "core:audit_list", "core.view_auditentry"),
    ]),
]
