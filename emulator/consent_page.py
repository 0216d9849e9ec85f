"""HTML of the emulated Google sign-in: the consent page and the error page.

Plain forms with stable ids and names so that a test with a bare HTTP client (or a headless
browser) can drive them: ``form#consent`` posts ``request_id``, ``account`` (radio buttons
``#account-N``), for granular consent the ticked ``scope`` checkboxes (``#scope-N``), and the
pressed button ``action`` = ``allow`` (``#allow``) or ``deny`` (``#deny``).
"""

from __future__ import annotations

from html import escape

from .oauth_errors import OAuthError
from .oauth_scopes import DESCRIPTIONS

_HEAD = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
         '<title>{title}</title></head>\n<body>\n')


def consent(*, action: str, request_id: str, app_name: str, accounts: list[str],
            chosen: str | None, scopes: list[str], granular: bool) -> str:
    parts = [_HEAD.format(title="Sign in - Google Accounts"),
             f'<h1 id="app-name">{escape(app_name)} wants access to your Google Account</h1>\n',
             f'<form id="consent" method="post" action="{escape(action)}">\n',
             f'<input type="hidden" name="request_id" value="{escape(request_id)}">\n',
             '<fieldset id="accounts"><legend>Choose an account</legend>\n']
    if not accounts:
        parts.append('<p id="no-accounts">No accounts.</p>\n')
    for n, email in enumerate(accounts):
        checked = " checked" if email == chosen else ""
        parts.append(f'<label><input type="radio" name="account" id="account-{n}" '
                     f'value="{escape(email)}"{checked}> {escape(email)}</label><br>\n')
    parts.append('</fieldset>\n<fieldset id="scopes"><legend>This will allow '
                 f'{escape(app_name)} to:</legend>\n<ul>\n')
    for n, scope in enumerate(scopes):
        label = escape(DESCRIPTIONS.get(scope, scope))
        if granular:
            parts.append(f'<li><label><input type="checkbox" name="scope" id="scope-{n}" '
                         f'value="{escape(scope)}" checked> {label}</label></li>\n')
        else:
            parts.append(f'<li id="scope-{n}" data-scope="{escape(scope)}">{label}</li>\n')
    parts.append('</ul></fieldset>\n'
                 '<button type="submit" id="deny" name="action" value="deny">Cancel</button>\n'
                 '<button type="submit" id="allow" name="action" value="allow">Allow'
                 '</button>\n</form>\n</body></html>\n')
    return "".join(parts)


def error(exc: OAuthError) -> str:
    title = ("Access blocked: Authorization Error" if exc.status == 401
             else "Access blocked: This app's request is invalid")
    return (_HEAD.format(title=escape(title))
            + f'<h1 id="title">{escape(title)}</h1>\n'
            f'<p id="error-description">{escape(exc.description)}</p>\n'
            f'<p>Error {exc.status}: <span id="error-code">{escape(exc.error)}</span></p>\n'
            '</body></html>\n')
