"""An LMS that supports LTI Dynamic Registration, served over https on 127.0.0.1 with a
throwaway certificate: its OpenID configuration, a registration endpoint that records what the
tool posts, and its key set. It signs launches like the test platform it extends."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server

from .platform import TestPlatform
from .tls import Certificates

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class RegisteringLMS(TestPlatform):
    __test__ = False

    def __init__(self, certificates: Certificates) -> None:
        super().__init__()
        self.registrations: list[dict[str, Any]] = []  # what the tool posted
        self.bearers: list[str] = []  # the Authorization headers it sent, per request
        self.configuration_changes: dict[str, Any] = {}
        self.configuration_body: bytes | None = None  # replaces the whole answer when set
        self.configuration_redirect = ""
        self.configuration_delay = 0.0
        self.registration_error: tuple[int, dict[str, Any]] | None = None
        self.registration_token = "reg-token-" + uuid.uuid4().hex[:8]
        self.client_id = "dyn-" + uuid.uuid4().hex[:8]
        self.deployment = "dyn-deployment-1"
        app = Flask("registering_lms")
        self._registration_routes(app)
        self.https = make_server(
            "127.0.0.1", 0, app, threaded=True, ssl_context=certificates.server_context()
        )
        self.host = f"127.0.0.1:{self.https.server_port}"
        self.issuer = f"https://{self.host}"
        threading.Thread(target=self.https.serve_forever, daemon=True).start()

    def stop(self) -> None:
        super().stop()
        self.https.shutdown()

    @property
    def configuration_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "registration_endpoint": self.issuer + "/register",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["id_token"],
            "scopes_supported": [
                "openid",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
            **self.configuration_changes,
        }

    def _registration_routes(self, app: Flask) -> None:
        @app.get("/.well-known/openid-configuration")
        def configuration() -> Any:
            self.bearers.append(request.headers.get("Authorization", ""))
            time.sleep(self.configuration_delay)
            if self.configuration_redirect:
                return redirect(self.configuration_redirect, 302)
            if self.configuration_body is not None:
                return self.configuration_body, 200, {"Content-Type": "application/json"}
            return jsonify(self.configuration())

        @app.post("/register")
        def register() -> Any:
            self.bearers.append(request.headers.get("Authorization", ""))
            body = request.get_json(force=True)
            self.registrations.append(body)
            if self.registration_error:
                status, answer = self.registration_error
                return jsonify(answer), status
            tool = {**body[TOOL_CONFIGURATION], "deployment_id": self.deployment}
            return jsonify({**body, "client_id": self.client_id, TOOL_CONFIGURATION: tool})

        @app.get("/jwks")
        def jwks() -> Any:
            self.jwks_fetches += 1
            return jsonify(self.jwks())

    def registration_query(self) -> dict[str, str]:
        """What the LMS adds to the registration link when it opens it."""
        return {"openid_configuration": self.configuration_url, "registration_token": self.registration_token}
