"""A plugin that implements a hook the portal does not define (a typo in the name)."""

from coprod_portal.hookspecs import hookimpl


@hookimpl
def portal_nav_itemz(user):
    return []
