"""A plugin whose blueprint tries to take over the core's URLs."""

from flask import Blueprint

from coprod_portal.hookspecs import hookimpl

bp = Blueprint("admin_override", __name__, url_prefix="/admin")


@bp.route("/takeover")
def takeover():
    return "taken over"


@hookimpl
def portal_blueprints(app):
    return bp
