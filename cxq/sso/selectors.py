from __future__ import annotations

from cxq.sso.models import SsoSettings


def login_option() -> SsoSettings | None:
    """The provider to offer on the login page, when single sign-on is on and set up."""
    sso = SsoSettings.current()
    return sso if sso.is_ready else None
