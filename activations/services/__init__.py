"""Every write on organisations, agreements, activations, rosters and the log.

Callers have already checked access through ``activations.permissions``; the
functions here enforce the domain rules (agreement in force, missions allowed,
area inside the territory, charter accepted, no overlapping duty…) and raise
``DomainError`` with a message for the person. Each is atomic: a refused
change leaves nothing behind.
"""

from activations.services._common import CHARTER_VERSION, log
from activations.services.activations import (
    ACTIVATION_TRANSITIONS,
    activation_create,
    activation_supporting_team_add,
    activation_transition,
    activation_update,
)
from activations.services.agreements import (
    AGREEMENT_TRANSITIONS,
    agreement_check_covers,
    agreement_save,
    agreement_set_status,
    agreements_remind_expiring,
)
from activations.services.log_entries import log_entry_add
from activations.services.members import (
    activation_member_remove,
    activation_member_set,
    charter_accept,
)
from activations.services.organisations import (
    contact_delete,
    contact_save,
    organisation_create,
    organisation_member_remove,
    organisation_member_set,
    organisation_update,
)
from activations.services.rosters import (
    SignUpResult,
    hours_on_duty,
    shift_assign,
    shift_check_in,
    shift_check_out,
    shift_save,
    shift_withdraw,
)
from activations.services.volunteers import (
    volunteer_profile_get_or_create,
    volunteer_profile_update,
)

__all__ = [
    "ACTIVATION_TRANSITIONS",
    "AGREEMENT_TRANSITIONS",
    "CHARTER_VERSION",
    "SignUpResult",
    "activation_create",
    "activation_member_remove",
    "activation_member_set",
    "activation_supporting_team_add",
    "activation_transition",
    "activation_update",
    "agreement_check_covers",
    "agreement_save",
    "agreement_set_status",
    "agreements_remind_expiring",
    "charter_accept",
    "contact_delete",
    "contact_save",
    "hours_on_duty",
    "log",
    "log_entry_add",
    "organisation_create",
    "organisation_member_remove",
    "organisation_member_set",
    "organisation_update",
    "shift_assign",
    "shift_check_in",
    "shift_check_out",
    "shift_save",
    "shift_withdraw",
    "volunteer_profile_get_or_create",
    "volunteer_profile_update",
]
