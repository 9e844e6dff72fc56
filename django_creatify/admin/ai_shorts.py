"""AI Shorts in the admin (see :class:`.base.CreatifyJobAdmin`)."""

from ..families import AI_SHORTS
from .base import CreatifyJobAdmin
from .create_forms import AIShortCreateForm


class AIShortAdmin(CreatifyJobAdmin):
    family = AI_SHORTS
    add_form = AIShortCreateForm
