"""The lipsync families in the admin (see :class:`.base.CreatifyJobAdmin`)."""

from ..families import LIPSYNC, LIPSYNC_V2
from .base import CreatifyJobAdmin
from .create_forms import LipsyncCreateForm, LipsyncV2CreateForm


class LipsyncAdmin(CreatifyJobAdmin):
    family = LIPSYNC
    add_form = LipsyncCreateForm


class LipsyncV2Admin(CreatifyJobAdmin):
    family = LIPSYNC_V2
    add_form = LipsyncV2CreateForm
