"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers

login_manager = LoginManager()
csrf = CSRFProtect()
wtf_helpers = WTFormsHelpers()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
