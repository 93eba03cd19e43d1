"""Every change to safety records, one module per part; the functions are re-exported here."""

from .enterprises import (  # noqa: F401
    assess_unit,
    assessment,
    delete_enterprise,
    delete_licence,
    delete_line,
    delete_unit,
    require_enterprise,
    save_enterprise,
    save_licence,
    save_line,
    save_unit,
    set_accounts,
)
from .hazards import (  # noqa: F401
    accept,
    criteria,
    criteria_for,
    delete_hazard,
    escalated,
    reject,
    report_progress,
    report_rectified,
    save_hazard,
    statistics,
    submit_plan,
    supervise,
)
from .risks import (  # noqa: F401
    delete_risk_point,
    delete_risk_scheme,
    save_risk_point,
    save_risk_scheme,
)
