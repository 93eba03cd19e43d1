"""Inspections and enforcement (执法检查), one module per part, every name re-exported here:
- draws: yearly plans (重点/一般 counts per 监管类别), the inspector pool and 双随机一公开 draws;
- checks: checklists (检查表, data/checklists.csv) and inspections, whose failed items become hazards (through the
  hazard services);
- enforcement: 执法文书 with their numbers, penalties and the 失信/黑名单 list.
Every write is one transaction through save_scoped (region-checked, audited); every error names its field in
Chinese."""

from ..common import CATEGORIES, authority_of, county_of  # noqa: F401
from .checks import (  # noqa: F401
    RESULTS,
    Checklist,
    checklist_for,
    checklists,
    delete_inspection,
    finding_to_hazard,
    record_results,
    save_inspection,
)
from .draws import (  # noqa: F401
    DrawError,
    delete_inspector,
    delete_plan,
    draw_pairs,
    due_assignments,
    due_card,
    enterprise_pool,
    inspector_pool,
    plan_progress,
    pool_errors,
    previous_draw,
    publish_plan,
    rank,
    run_draw,
    save_inspector,
    save_plan,
    stored_pairs,
    verify_draw,
)
from .enforcement import (  # noqa: F401
    EARLY_REMOVAL_MONTHS,
    MAX_FINE_WAN,
    ORDER_BASIS,
    delete_document,
    delete_listing,
    delete_penalty,
    document_initial,
    next_number,
    save_document,
    save_listing,
    save_penalty,
)

WRITE = ["inspectionplan", "inspector", "draw", "drawassignment", "inspection", "enforcementdocument", "penalty",
         "creditlisting"]
OWN_ENTERPRISE = ["inspection", "enforcementdocument", "penalty", "creditlisting"]  # what an enterprise sees of itself


def grant_roles(roles):
    """Inspectors and administrators run the inspections; leaders, duty officers and townships read; an
    enterprise account reads its own inspections, documents, penalties and listings (EnterpriseScoped)."""
    for role in ("管理员", "安全监管员"):
        roles.grant(role, [f"safety.{a}_{m}" for m in WRITE for a in ("view", "add", "change", "delete")])
    for role in ("领导", "值班员", "乡镇用户"):
        roles.grant(role, [f"safety.view_{m}" for m in WRITE])
    roles.grant("企业用户", [f"safety.view_{m}" for m in OWN_ENTERPRISE])
