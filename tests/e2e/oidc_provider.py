"""A small, real OpenID Connect provider for the sign-in tests, on 127.0.0.1 inside the test run.

It speaks the authorization-code flow Streamlit's ``st.login`` uses (through Authlib): discovery
document, an authorization page with a sign-in form (a person types their email and presses
"Sign in"), a token endpoint that checks the client secret, the code, the redirect URI and the
PKCE verifier, ID tokens signed with RS256 and published as a JWKS, userinfo, and an
end-session endpoint for sign-out. Users and their claims (email, groups) are given to it by
the test. Nothing here is a stub of Streamlit: the dashboard's server talks to it over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    claims: dict[str, Any]


@dataclass
class OidcProvider:
    """Serve in a thread with :meth:`start`; ``issuer`` is its base URL."""

    client_id: str
    client_secret: str
    users: dict[str, dict[str, Any]]  # email -> extra claims, e.g. {"groups": [...]}
    host: str = "127.0.0.1"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    grants: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet; requests are kept in provider.requests
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                provider._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                provider._handle(self, "POST")

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- endpoints -----------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        self.requests.append(f"{method} {parts.path}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        form: dict[str, str] = {}
        if method == "POST":
            length = int(request.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/jwks"): self._jwks,
            ("GET", "/authorize"): self._authorize_page,
            ("POST", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("GET", "/logout"): self._logout,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return _send(request, 404, {"error": "not_found"})
        return route(request, query, form)

    def _discovery(self, request, query, form) -> None:
        base = self.issuer
        _send(
            request,
            200,
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "email", "name", "groups"],
            },
        )

    def _jwks(self, request, query, form) -> None:
        _send(request, 200, {"keys": [self.key.as_dict(private=False) | {"use": "sig", "alg": "RS256"}]})

    def _authorize_page(self, request, query, form) -> None:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return _send(request, 400, {"error": "invalid_request"})
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
        )
        page = (
            "<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label>Email <input name="login" autocomplete="off"></label>'
            '<button type="submit">Sign in</button></form>'
        )
        _send_html(request, page)

    def _authorize(self, request, query, form) -> None:
        email = form.get("login", "").strip().lower()
        if email not in self.users or form.get("client_id") != self.client_id:
            return _send_html(request, "<h1>Unknown user</h1>", status=403)
        code = secrets.token_urlsafe(24)
        self.grants[code] = _Grant(
            client_id=form["client_id"],
            redirect_uri=form["redirect_uri"],
            nonce=form.get("nonce"),
            code_challenge=form.get("code_challenge"),
            claims={"sub": hashlib.sha256(email.encode()).hexdigest()[:16], "email": email, "name": email}
            | self.users[email],
        )
        target = form["redirect_uri"] + "?" + urlencode({"code": code, "state": form.get("state", "")})
        _redirect(request, target)

    def _token(self, request, query, form) -> None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return _send(request, 401, {"error": "invalid_client"})
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return _send(request, 400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant.redirect_uri:
            return _send(request, 400, {"error": "invalid_grant", "error_description": "redirect_uri"})
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant.code_challenge:
                return _send(request, 400, {"error": "invalid_grant", "error_description": "PKCE"})
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 600} | grant.claims
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.claims
        _send(
            request,
            200,
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 600, "id_token": id_token},
        )

    def _userinfo(self, request, query, form) -> None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return _send(request, 401, {"error": "invalid_token"})
        _send(request, 200, self.tokens[token])

    def _logout(self, request, query, form) -> None:
        target = query.get("post_logout_redirect_uri")
        if target:
            return _redirect(request, target)
        _send_html(request, "<h1>Signed out</h1>")


def _send(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.send_header("Cache-Control", "no-store")
    request.end_headers()
    request.wfile.write(data)


def _send_html(request: BaseHTTPRequestHandler, page: str, status: int = 200) -> None:
    data = page.encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _redirect(request: BaseHTTPRequestHandler, target: str) -> None:
    request.send_response(302)
    request.send_header("Location", target)
    request.send_header("Content-Length", "0")
    request.end_headers()
