"""``AuroraFlowAdmin``: Aurora's jobs in the admin (see :class:`.base.CreatifyJobAdmin`)."""

from ..families import AURORA
from .base import CreatifyJobAdmin
from .forms import AuroraFlowCreateForm


class AuroraFlowAdmin(CreatifyJobAdmin):
    family = AURORA
    add_form = AuroraFlowCreateForm
