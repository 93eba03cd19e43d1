"""Safety supervision models, one module per part: enterprises.py (一企一档, licences, GB 18218 units),
risks.py (risk points in four colours and the bands a bureau sets)."""

from .enterprises import (  # noqa: F401
    ENTERPRISE_ROLE,
    LEVELS,
    NO_GRADE,
    Enterprise,
    EnterpriseScoped,
    HazardUnit,
    InventoryLine,
    Licence,
    is_enterprise_account,
)
from .hazards import Hazard, HazardSupervision, HazardUpdate  # noqa: F401
from .inspections import (  # noqa: F401
    CreditListing,
    Draw,
    DrawAssignment,
    EnforcementDocument,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)
from .risks import COLOUR_CHOICES, CONTROL_LEVELS, METHOD_CHOICES, RiskPoint, RiskScheme  # noqa: F401
