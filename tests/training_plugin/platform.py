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
from werkzeug.serving import make_server

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


class TestPlatform:
    def __init__(self, tool_jwks: Any = None) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.client_id = "portal-client"
        self.deployment = "deployment-1"
        self.scores: list[dict[str, Any]] = []
        self.assertions: list[dict[str, Any]] = []
        self.lineitems: list[dict[str, Any]] = []
        self.jwks_fetches = 0
        self.fail_scores = False
        self.tool_jwks = tool_jwks  # callable returning the tool's JWKS
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
