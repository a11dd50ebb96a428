"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers

login_manager = LoginManager()
csrf = CSRFProtect()
wtf_helpers = WTFormsHelpers()
# The rate limiter is made per app (casework.web.limits): its storage is per deployment.
