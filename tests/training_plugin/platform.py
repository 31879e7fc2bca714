"""A real LTI 1.3 test platform on 127.0.0.1: its own RSA key and JWKS, an OAuth2 token endpoint
that checks the tool's signed client assertion against the tool's published JWKS, and AGS/NRPS
endpoints that record what the tool sends."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from markupsafe import escape
from werkzeug.serving import make_server

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


class TestPlatform:
    __test__ = False  # not a test class, for pytest

    def __init__(self, tool_jwks: Any = None) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.client_id = "portal-client"
        self.deployment = "deployment-1"
        self.scores: list[dict[str, Any]] = []
        self.assertions: list[dict[str, Any]] = []
        self.lineitems: list[dict[str, Any]] = []
        self.jwks_fetches = 0
        self.deep_links: list[dict[str, Any]] = []
        self.tool_url = ""  # the portal's base address, for the LMS pages a browser uses
        self.fail_scores = False
        self.tool_jwks = tool_jwks  # callable returning the tool's JWKS
        self.platform_id = ""  # the portal's id for this registration, once registered
        self.tool_jwks_path = ""  # where the portal publishes this registration's keys
        app = Flask("test_platform")
        self._routes(app)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.url
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def _routes(self, app: Flask) -> None:
        @app.get("/jwks")
        def jwks() -> Any:
            self.jwks_fetches += 1
            return jsonify(self.jwks())

        @app.post("/token")
        def token() -> Any:
            assertion = request.form["client_assertion"]
            header = jwt.get_unverified_header(assertion)
            keyset = self.tool_jwks() if self.tool_jwks else {"keys": []}
            jwk = next(k for k in keyset["keys"] if k["kid"] == header["kid"])
            claims = jwt.decode(
                assertion, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=self.url + "/token"
            )
            self.assertions.append(claims)
            return jsonify(
                {
                    "access_token": "token-" + uuid.uuid4().hex,
                    "expires_in": 3600,
                    "scope": request.form.get("scope", ""),
                }
            )

        @app.post("/lineitems/<item>/scores")
        def scores(item: str) -> Any:
            if self.fail_scores:
                return "down", 503
            self.scores.append(
                {
                    "item": item,
                    "auth": request.headers.get("Authorization", ""),
                    **request.get_json(force=True),
                }
            )
            return "", 204

        @app.get("/lineitems")
        def list_items() -> Any:
            return jsonify(self.lineitems)

        @app.post("/lineitems")
        def create_item() -> Any:
            item = {**request.get_json(force=True), "id": f"{self.url}/lineitems/{len(self.lineitems) + 1}"}
            self.lineitems.append(item)
            return jsonify(item), 201

        @app.get("/course")
        def course_page() -> Any:
            """The LMS's course page: each activity posts the OIDC login to the tool."""
            sub = request.args.get("user", "learner-1")
            forms = []
            for label, hint in (
                ("Open the module “Paying people who receive benefits”", "resource:benefits"),
                ("Add training modules to this course", "deeplink"),
            ):
                fields = {
                    "iss": self.issuer,
                    "client_id": self.client_id,
                    "login_hint": sub,
                    "lti_message_hint": hint,
                    "target_link_uri": self.tool_url + "/training/lti/launch",
                }
                inputs = "".join(
                    f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in fields.items()
                )
                forms.append(
                    f'<form method="post" action="{self.tool_url}/training/lti/login">{inputs}'
                    f"<button type=submit>{label}</button></form>"
                )
            return _page("Induction course", "".join(forms))

        @app.route("/auth", methods=["GET", "POST"])
        def auth() -> Any:
            """The platform's OIDC authorisation endpoint: answers with a form that posts the
            signed id_token to the tool's redirect_uri (response_mode form_post)."""
            params = request.values
            if params.get("client_id") != self.client_id or params.get("response_mode") != "form_post":
                return "bad authorisation request", 400
            hint = params.get("lti_message_hint", "")
            sub = params.get("login_hint", "learner-1")
            if hint == "deeplink":
                token = self.id_token(
                    params["nonce"],
                    sub=sub,
                    message_type="LtiDeepLinkingRequest",
                    roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
                )
            else:
                token = self.id_token(
                    params["nonce"],
                    sub=sub,
                    **{LTI + "custom": {"module": hint.removeprefix("resource:") or "benefits"}},
                )
            body = (
                f'<form method="post" action="{escape(params["redirect_uri"])}">'
                f'<input type="hidden" name="state" value="{escape(params["state"])}">'
                f'<input type="hidden" name="id_token" value="{token}">'
                "<button type=submit>Continue to the training portal</button></form>"
            )
            return _page("Opening the activity", body)

        @app.post("/deep-link-return")
        def deep_link_return() -> Any:
            """Where the tool's deep-linking reply lands: checked with the tool's keys."""
            token = request.form["JWT"]
            header = jwt.get_unverified_header(token)
            keyset = self.tool_jwks() if self.tool_jwks else {"keys": []}
            jwk = next(k for k in keyset["keys"] if k["kid"] == header["kid"])
            claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=self.issuer)
            self.deep_links.append(claims)
            items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
            titles = "".join(f"<li>{escape(i['title'])}</li>" for i in items)
            return _page("Activities added", f"<ul>{titles}</ul>")

        @app.get("/members")
        def members() -> Any:
            return jsonify(
                {
                    "id": "m",
                    "context": {"id": "course-1"},
                    "members": [
                        {
                            "user_id": "learner-1",
                            "name": "Ada Learner",
                            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                        },
                        {
                            "user_id": "learner-2",
                            "name": "Ben Learner",
                            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                        },
                    ],
                }
            )

    def register(self, runner: Any, **extra: str) -> Any:
        args = [
            "lti",
            "register",
            "--name",
            "Test LMS",
            "--issuer",
            self.issuer,
            "--client-id",
            self.client_id,
            "--deployment-id",
            self.deployment,
            "--auth-login-url",
            self.url + "/auth",
            "--token-url",
            self.url + "/token",
            "--jwks-url",
            self.url + "/jwks",
            "--frame-origin",
            "https://lms.example.org",
        ]
        return runner.invoke(args=args)

    def id_token(
        self,
        nonce: str,
        *,
        message_type: str = "LtiResourceLinkRequest",
        sub: str = "learner-1",
        roles: list[str] | None = None,
        omit: tuple[str, ...] = (),
        key: Any = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Ada Learner",
            LTI + "deployment_id": self.deployment,
            LTI + "version": "1.3.0",
            LTI + "message_type": message_type,
            LTI + "roles": roles or ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "context": {"id": "course-1", "title": "Induction"},
            LTI + "target_link_uri": "http://localhost/training/modules/benefits",
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitem": self.url + "/lineitems/7",
                "lineitems": self.url + "/lineitems",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.url + "/members",
                "service_versions": ["2.0"],
            },
        }
        if message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": "link-1"}
        else:
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "data": "opaque",
            }
        body.update(claims)
        for name in omit:
            body.pop(name, None)
        return jwt.encode(
            body, key or self.key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} – Test LMS'
        f"</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )
