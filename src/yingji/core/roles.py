"""Roles (角色) are groups with permissions. Apps add permissions to roles with `grant`."""

from django.contrib.auth.models import Group, Permission

# code → group name (the name users see and the API accepts).
ROLES = {
    "admin": "管理员",
    "duty_officer": "值班员",
    "commander": "指挥长",
    "fire_dispatcher": "消防调度员",
    "safety_inspector": "安全监管员",
    "township": "乡镇用户",
    "enterprise": "企业用户",
    "leader": "领导",
}
ROLE_NAMES = list(ROLES.values())

_VIEW_BASICS = ["core.view_region", "core.view_regiongdp", "core.view_organisation", "core.view_contact"]
_PERMISSIONS: dict[str, set[str]] = {name: set(_VIEW_BASICS) for name in ROLE_NAMES}


def grant(role_name: str, perms):
    """Called from an app's AppConfig.ready(): give `role_name` the "app_label.codename" perms."""
    if role_name not in _PERMISSIONS:
        raise KeyError(f"unknown role {role_name}")
    _PERMISSIONS[role_name].update(perms)


grant("管理员", [
    f"core.{action}_{model}"
    for model in ("region", "regiongdp", "organisation", "user", "contact")
    for action in ("add", "change", "delete", "view")
] + ["core.view_auditentry"])
# The duty seat keeps the 通讯录; township staff keep their own township's lines (scoping keeps them there).
grant("值班员", [f"core.{action}_contact" for action in ("add", "change", "delete")])
grant("乡镇用户", ["core.add_contact", "core.change_contact"])


def role_name(value: str) -> str | None:
    """Accept a role's code (duty_officer) or its name (值班员)."""
    return ROLES.get(value) or (value if value in ROLE_NAMES else None)


def ensure_roles():
    """Create the role groups and give them exactly their registered permissions."""
    wanted = set().union(*_PERMISSIONS.values())
    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.codename}" in wanted
    }
    for name, perms in _PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([by_key[p] for p in perms if p in by_key])


def sync_roles_after_migrate(**kwargs):
    ensure_roles()
