"""The plugin contract: every hook the portal calls, and what it expects back.

This module is the documentation of the contract: each docstring is published in the
plugin author guide, and a test fails if a hook has none. Implement a hook with::

    from coprod_portal.hookspecs import hookimpl

    @hookimpl
    def portal_nav_items(user):
        return [NavItem("Members", "plugin_network.members", permission="network.view_members")]

A plugin may accept fewer arguments than the spec lists (pluggy passes only the ones it
names), so new arguments can be added without breaking existing plugins.

How the portal calls hooks: each implementation is called on its own. If one raises, the
error is logged, shown on the Plugins page, and that plugin's answer is skipped — except in
``portal_permission_allowed``, where an error counts as "no" so a broken plugin can never open
a door. Hooks that return lists may also return a single item or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date

    from flask import Blueprint, Flask
    from sqlmodel import Session

    from .types import (
        ChecklistSection,
        DashboardCard,
        Job,
        Migrations,
        NavItem,
        PeriodicJob,
        Permission,
        ProjectPanel,
        Reference,
        Role,
        SearchResult,
        StoredFile,
        Suggestion,
        TrainingModule,
    )

hookspec = pluggy.HookspecMarker("coprod_portal")
hookimpl = pluggy.HookimplMarker("coprod_portal")

# --- start-up ------------------------------------------------------------------------------


@hookspec
def portal_startup(app: Flask) -> None:
    """Called once when the app is created, after blueprints are registered.

    Use it to read your plugin's settings (``app.config["PLUGIN_<NAME>"]``) or register
    template filters. Do no database work here: the database may not be migrated yet.
    A setting the plugin cannot work without (a key on a shared database, say) is refused by
    raising ``coprod_portal.keys.ConfigError`` naming the setting: start-up then stops with that
    message, as for the core's own settings. Any other exception only marks the plugin failed.
    """


@hookspec
def portal_blueprints(app: Flask) -> Blueprint | list[Blueprint] | None:
    """Return the Flask blueprint(s) that serve your pages.

    A blueprint must be named ``plugin_<name>`` (or start with it) and be mounted under
    ``/<name>`` (its ``url_prefix``); the portal refuses others so that plugins never
    shadow each other's or the core's URLs. Templates go under ``templates/<name>/``
    inside your package, static files under ``static/``.
    """


@hookspec
def portal_migrations() -> Migrations | None:
    """Return where your Alembic revisions live (usually ``Path(__file__).parent / "migrations"``).

    Each plugin has its own version table (``alembic_version_<name>``), so switching a
    plugin off never blocks the migrations of the rest. Prefix your tables with your
    plugin's name. ``flask --app wsgi db upgrade`` applies the migrations of every enabled
    plugin after the core's.
    """


@hookspec
def portal_seed_demo(session: Session) -> None:
    """Add demo data for ``flask --app wsgi seed-demo``. Must be idempotent: it runs again
    on every ``make run``. Demo users already exist (see ``coprod_portal.demo``).
    """


# --- people, roles and permissions ---------------------------------------------------------


@hookspec
def portal_seed_demo_done(session: Session) -> None:
    """Every plugin's demo data is in: derive what depends on the others' (``seed-demo``).

    ``portal_seed_demo`` implementations run in the order plugins are loaded, so one plugin's
    demo cannot rely on another's being there yet. Here it can: the checklists plugin answers
    other plugins' demo projects and stores who takes part in each. Must be idempotent like
    ``portal_seed_demo`` (a second ``seed-demo`` changes nothing); commit when done.
    """


@hookspec
def portal_roles() -> list[Role] | None:
    """Declare roles your plugin adds (for example "network member", "trainer").

    Admins can then give them to users. Core roles are admin, coproduction_lead,
    safeguarding_lead, hr and staff. Line manager is a relation, not a role.
    """


@hookspec
def portal_permissions() -> list[Permission] | None:
    """Declare the permissions your plugin checks, named ``<plugin>.<action>``,
    with the roles that have them by default.
    """


@hookspec
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Vote on whether ``user`` may do ``action`` to ``obj`` (obj may be None).

    Return False to refuse, True to allow (for example: the author of a record may read
    it), None to leave the decision to others. Any False wins over every True; if nobody
    says True or False, the user's roles decide. ``user`` may be anonymous or an LTI
    learner (``user.kind`` is "staff", "learner" or "anonymous"). With ``obj`` None the
    answer must depend only on the person and the action: it is asked once per request and
    remembered (the navigation, the cards and the page ask the same questions).

    The audit log asks ``audit.view_event`` with the audit event as ``obj``: a plugin
    decides who may see the events it wrote (``event.plugin``). Decide from the event's
    ``plugin``, ``subject_type`` and ``subject_id`` only: the log page passes an object with
    just those (and ``id``), asks once per subject and applies the answer to every event
    about it.
    """


# --- pages ---------------------------------------------------------------------------------


@hookspec
def portal_nav_items(user: Any) -> list[NavItem] | None:
    """Return links for the main navigation; each is shown only if the user has its permission."""


@hookspec
def portal_dashboard_cards(user: Any) -> list[DashboardCard] | None:
    """Return small cards for the signed-in user's home page.

    Check what the user may see yourself: a card is shown as returned. Keep it cheap
    (one or two small queries): it runs on every home page view.
    """


# --- projects ------------------------------------------------------------------------------


@hookspec
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    """Return panels for a project's page (``project`` is a ``coprod_portal.projects.Project``).

    Only return what ``user`` may see.
    """


@hookspec
def portal_project_created(project: Any, session: Session) -> None:
    """A new project is being saved: add what every project of yours must have from its start.

    Called for every new ``coprod_portal.projects.Project`` — made by the core's form, the
    command line, or any plugin's code or demo data — inside the flush that inserts it, so what
    you add is saved in the same transaction (or not at all). The co-production checklist is
    attached this way. Only ``session.add()`` rows here: do not flush or commit, and read with
    ``session.no_autoflush`` (the portal calls you inside it). ``project.id`` is already set.
    """


@hookspec
def portal_project_stage_blockers(project: Any, to_stage: str) -> list[str] | None:
    """Return reasons, written for the user, why ``project`` may not move to ``to_stage``.

    Any reason blocks the move; the reasons are shown on the stage form. Return an
    empty list or None when you have no objection.
    """


@hookspec
def portal_project_people(project: Any) -> list[str] | None:
    """Return the ids of users involved in ``project`` beyond its owner and team.

    The network plugin answers with the members involved; others may add theirs.
    """


@hookspec
def portal_checklist_sections(project: Any) -> list[ChecklistSection] | None:
    """Add checklist sections or items for ``project``.

    Set ``ChecklistItem.met`` when your plugin can tell on its own whether the item is
    met; leave it None when a person must answer.
    """


@hookspec
def portal_training_modules() -> list[TrainingModule] | None:
    """Add modules to the training course."""


# --- services one plugin offers to others --------------------------------------------------


@hookspec(firstresult=True)
def portal_record_involvement(
    user_id: str,
    project_id: str | None,
    role: str,
    on: date,
    hours: float,
    status: str,
    note: str,
) -> str | None:
    """Record that a person took part in co-production work; return the involvement's id.

    ``status`` is "pending" when someone still has to confirm and price it (training
    records its trainers' deliveries this way). The first plugin that answers wins — the
    network plugin does. Returns None when no plugin keeps involvement records: callers
    must cope with that.

    The network plugin records it against the member record linked to the account ``user_id``,
    creating one from the account when there is none; it returns None when the account does not
    exist, and raises ValueError for an unknown ``role`` (its list: interview_panel,
    advisory_group, nice_committee, writer, consultant, video, speaker, media, blogger, trainer,
    other), a ``status`` other than "pending" or "confirmed", or hours outside 0–24. The record is
    added to the current database session (``db.get_session()``): it is saved when the caller
    commits, and ``portal_involvement_recorded`` is raised after that commit.
    """


@hookspec(firstresult=True)
def portal_resolve_reference(ref: str, user: Any) -> Reference | None:
    """Turn a reference such as ``"lived_experience:contribution:<id>"`` into what to show.

    The plugin that owns the prefix answers; it returns ``Reference(withdrawn=True)`` when
    the record was withdrawn, and only a label the user may see. None means nobody
    recognised it (the owning plugin may be switched off).
    """


@hookspec
def portal_practice_examples(item_ref: str, stage: str, rung: str, user: Any) -> list[Suggestion] | None:
    """Offer examples of how others did what a checklist item asks ("see how others did it").

    The checklists plugin asks this on a checklist item's page: ``item_ref`` is the item's
    reference (``"<section>.<item>"``, or ``"<plugin>:<section>.<item>"`` for a plugin's item),
    ``stage`` the project's stage and ``rung`` the rung of the ladder the project plans (``""``
    when none is planned yet). Return ``types.Suggestion`` items, best first and at most five,
    with a ``url`` that is a path in the portal: **only what ``user`` may read**, never a draft,
    and never anything whose author or co-author has withdrawn their consent. The practice plugin
    answers with the published examples tagged with the item, then others at the same stage and
    rung. Return None or an empty list when you have nothing to offer.
    """


# --- events: called after the user's transaction has committed ----------------------------


@hookspec
def portal_project_stage_changed(project_id: str, from_stage: str, to_stage: str) -> None:
    """A project moved stage. Raised by the core after the change was committed."""


@hookspec
def portal_involvement_recorded(involvement_id: str, project_id: str | None) -> None:
    """An involvement was recorded (raised by the plugin that keeps involvement records)."""


@hookspec
def portal_contribution_submitted(contribution_id: str) -> None:
    """A staff lived-experience contribution was submitted. Carries no content, only the id."""


@hookspec
def portal_contribution_withdrawn(contribution_id: str) -> None:
    """A contribution was withdrawn: forget any copy, cache or quote of it now."""


@hookspec
def portal_training_completed(learner_id: str, module_key: str) -> None:
    """A learner (staff user or LTI learner) completed a training module."""


# --- subject access and erasure (UK GDPR Articles 15 and 17) ------------------------------


@hookspec
def portal_subject_export(person: Any) -> Any:
    """Return what your plugin holds about ``person`` (a ``types.Person``) as
    ``types.SubjectRecords`` (or a list of them), for a subject access request.

    Include everything personal you store about them, in words a person can read; leave out
    what is about other people (for example another person's contribution they read). Match
    on ``person.user_id`` and on ``person.email`` for records about people without an account.
    Return None when you hold nothing.
    """


@hookspec
def portal_subject_erase(person: Any, session: Any) -> Any:
    """Erase or anonymise what your plugin holds about ``person``, in ``session`` (do not
    commit: the core commits once every plugin has answered, so erasure is all or nothing).

    Return a ``types.ErasureReport`` saying what you erased and what you kept and why (for
    example a payment ledger kept for six years for HMRC). If your implementation raises,
    nothing at all is erased and the admin is told which plugin failed.
    """


# --- files and search ------------------------------------------------------------------------


@hookspec
def portal_file_allowed(file: StoredFile, user: Any) -> bool | None:
    """Vote on whether ``user`` may download ``file`` (a ``types.StoredFile``).

    Files are uploaded through ``coprod_portal.files.save_upload`` and served only at
    ``/files/<id>``, which asks this hook every time. Answer for your own files
    (``file.plugin == "<your plugin>"``) and return None for everyone else's. Return True
    to allow, False to refuse; any False wins, and when nobody says True the person is
    refused. Admins get no file automatically: a receipt is personal, so say True only for
    the people who need it (for example the uploader and whoever checks claims). A hook
    that raises counts as False. Every download is written to the audit log as an event of
    the owning plugin, so your ``audit.view_event`` votes decide who sees those reads.
    ``user`` may be an LTI learner (``user.kind == "learner"``), for example for captions.
    """


@hookspec
def portal_search(query: str, user: Any) -> list[SearchResult] | None:
    """Answer a search from the search page with ``types.SearchResult`` items.

    ``query`` is trimmed, between 2 and 200 characters, and must be matched literally:
    build SQL conditions with ``coprod_portal.search.contains(column, query)``, which
    escapes the LIKE wildcards ``%`` and ``_``, or compare text in Python with
    ``search.matches(text, query)``. Return **only what ``user`` may see**: check your
    permissions for every record, and never return withdrawn records or special-category
    content in a title or summary. Put your best matches first and return at most
    ``search.MAX_RESULTS_PER_GROUP`` (200); the page shows the first 10 of each group and
    pages through the rest. ``url`` must be a path in the portal (``url_for(...)``); a
    result with any other address is dropped. A hook that raises is skipped and shown on
    the Plugins page; the search page still works.
    """


# --- background jobs -------------------------------------------------------------------------


@hookspec
def portal_jobs() -> list[Job] | None:
    """Declare the background jobs your plugin runs, as ``types.Job`` items.

    Name each ``<plugin>.<job>``; a name outside your plugin's namespace, or one already
    taken, is refused and shown on the Plugins page. Then queue work from anywhere with
    ``jobs.enqueue("<plugin>.<job>", delay_seconds=0, **kwargs)`` (or
    ``jobs.enqueue_after_commit(session, ...)`` so it only runs if your transaction commits).
    ``kwargs`` must be JSON values; pass ids, never names or personal content, because
    arguments are kept with a failed job so an admin can try it again. The function runs in
    the worker (``flask --app wsgi jobs run``), in an app context with its own database
    session; commit your own work. A job that raises is retried with back-off (the delay
    doubles each time, up to an hour) and every failure is listed for admins on
    /admin/jobs; write exception messages for them, without personal content.
    """


@hookspec
def portal_periodic_jobs() -> list[PeriodicJob] | None:
    """Declare jobs that run on a schedule, as ``types.PeriodicJob`` items (``cron`` in UTC).

    The worker queues each one when its schedule matches; it then runs, retries and reports
    failures like any other job. With a worker on every server (Redis queue) it still starts
    once per schedule across all of them: the first worker to claim the minute runs it. Name
    each ``<plugin>.<job>``; a job that needs to run once a night should expect to run again
    after a failure and be safe to repeat (for example: "delete what is older than 30 days",
    not "delete the oldest 100"). A bad ``cron`` is refused with a message on the Plugins page.
    """


# --- benchmarks --------------------------------------------------------------------------


@hookspec
def portal_seed_scale(session: Any, factor: float) -> None:
    """Add your share of the large benchmark data set for ``flask --app wsgi seed-scale``.

    At ``factor`` 1.0 the whole set is: 10,000 network members, 100,000 involvements,
    200,000 payments, 2,000 projects with 40 checklist items each, 5,000 contributions and
    50,000 learners; scale your numbers by ``factor``. The core has already added the projects
    (``coprod_portal.projects.Project`` rows titled "Scale project …"). Insert in bulk
    (``session.execute(insert(Model), rows)``) and commit in batches; it must be safe to run
    on a database that already holds the demo data. Used by ``make bench`` only.
    """


# --- how a person wants to read -------------------------------------------------------------


@hookspec
def portal_preferred_format(user_id: str) -> str | None:
    """The format this person asked for in your plugin's records, for people who have not chosen
    one themselves on /account/preferences.

    Return one of the keys of ``coprod_portal.notifications.FORMATS`` ("standard",
    "large_print", "easy_read", "plain_text"), or None when you hold no choice for them or
    their choice has no equivalent there (an audio recording, BSL). For example, the network
    plugin answers with the format a member asked for when they joined, so a member who asked
    for Easy Read is shown Easy Read versions (in their inbox, training lessons, their own pages)
    without having to find the preferences page first.

    ``coprod_portal.notifications.preference()`` asks this only when the person has saved no
    preference of their own: their own choice always wins. The first answer that is a known
    format is used; anything else is ignored. It is asked on many page views, so answer from
    one indexed lookup.
    """
