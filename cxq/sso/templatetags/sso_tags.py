"""The login page's "Sign in with …" button: the accounts login template loads it, so accounts need
not import this app (docs/architecture.md#layers)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from cxq.sso.selectors import login_option

register = template.Library()


@register.inclusion_tag("sso/login_button.html")
def sso_login_button(next_url=""):
    return {"sso": login_option(), "next": next_url, "next_query": urlencode({"next": next_url or ""})}
