"""A plugin that loads but whose hooks raise when called."""

from coprod_portal.hookspecs import hookimpl


@hookimpl
def portal_dashboard_cards(user):
    raise RuntimeError("card service is down")


@hookimpl
def portal_permission_allowed(user, action, obj):
    if action == "projects.create":
        raise RuntimeError("vote service is down")
    return None


@hookimpl
def portal_project_stage_changed(project_id, from_stage, to_stage):
    raise RuntimeError("listener is down")


@hookimpl
def portal_subject_erase(person, session):
    raise RuntimeError("erasure service is down")


@hookimpl
def portal_search(query, user):
    raise RuntimeError("search service is down")
