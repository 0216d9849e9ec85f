"""Control-API routes for OAuth (documented in README.md): register OAuth clients, let the
"user" consent without the page, revoke what users granted, move the OAuth clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import errors
from .authorize import AutoConsent

if TYPE_CHECKING:
    from .app import Emulator


class OAuthControl:
    def __init__(self, emulator: "Emulator"):
        self.emu = emulator
        self.endpoints = emulator.oauth_endpoints

    def routes(self, prefix: str) -> list:
        client = prefix + "/oauth-clients/<client_id>"
        return [
            ("POST", prefix + "/oauth-clients", self.create_client),
            ("PATCH", client, self.change_client),
            ("DELETE", client, self.delete_client),
            ("POST", prefix + "/oauth/consent", self.auto_consent),
            ("DELETE", prefix + "/oauth/consent", self.page_consent),
            ("GET", prefix + "/oauth/grants", self.grants),
            ("POST", prefix + "/oauth/revoke", self.revoke),
            ("POST", prefix + "/oauth/clock", self.advance_clock),
        ]

    def create_client(self, request, body):
        try:
            client = self.endpoints.clients.create(errors.json_object(body))
        except ValueError as exc:
            raise errors.bad_request(str(exc)) from None
        return 200, client.secrets_json(self.endpoints.auth_uri, self.emu.token_url)

    def change_client(self, request, body, client_id):
        """Switch the publishing status (``testing`` makes new refresh tokens die after 7
        days) or replace a Web client's redirect URIs."""
        body = errors.json_object(body)
        client = self._client(client_id)
        if "publishing_status" in body:
            if body["publishing_status"] not in ("production", "testing"):
                raise errors.bad_request("publishing_status must be production or testing")
            client.publishing_status = body["publishing_status"]
        if "redirect_uris" in body:
            uris = body["redirect_uris"]
            if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
                raise errors.bad_request("redirect_uris must be a list of strings")
            client.redirect_uris = list(uris)
        return 200, client.describe()

    def delete_client(self, request, body, client_id):
        self._client(client_id).deleted = True
        return 200, {"deleted": client_id}

    def auto_consent(self, request, body):
        body = errors.json_object(body)
        account = body.get("account")
        action = body.get("action", "allow")
        scopes = body.get("scopes")
        if not isinstance(account, str) or action not in ("allow", "deny") or not (
                scopes is None or isinstance(scopes, list)):
            raise errors.bad_request('Expected {"account", "action"?: "allow"|"deny", '
                                     '"scopes"?: [...]}')
        self.endpoints.authorization.auto = AutoConsent(account, action == "allow", scopes)
        return 200, {"consent": action, "account": account, "scopes": scopes}

    def page_consent(self, request, body):
        self.endpoints.authorization.auto = None
        return 200, {"consent": "page"}

    def grants(self, request, body):
        return 200, {"grants": self.endpoints.grants.describe()}

    def revoke(self, request, body):
        body = errors.json_object(body)
        if isinstance(body.get("refresh_token"), str):
            revoked = int(self.endpoints.revoke_token(body["refresh_token"]))
        elif isinstance(body.get("account"), str):
            revoked = self.endpoints.revoke_account(body["account"], body.get("client_id"))
        else:
            raise errors.bad_request('Expected {"refresh_token"} or {"account", "client_id"?}')
        return 200, {"revoked": revoked}

    def advance_clock(self, request, body):
        try:
            seconds = float(errors.json_object(body)["advance"])
        except (KeyError, TypeError, ValueError):
            raise errors.bad_request('Expected {"advance": seconds}') from None
        if seconds < 0:
            raise errors.bad_request("The clock only moves forward.")
        return 200, {"offset": self.emu.oauth.clock.advance(seconds)}

    def _client(self, client_id: str):
        client = self.endpoints.clients.get(client_id)
        if client is None:
            raise errors.not_found()
        return client
