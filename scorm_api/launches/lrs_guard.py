"""What the LRS does differently for a launch's credentials (`au-<id>`): the learner's browser
holds them, so they reach only that learner's data, and a cmi5 AU's statements pass the cmi5
rules and move the registration on, in the transaction that stores them.

The launches domain plugs `credential_source` into the LRS (xapi.credentials.LRS_CREDENTIALS);
the principal it answers carries a LaunchGuard, which the LRS consults on every request."""

from __future__ import annotations

from scorm_api.db import write_transaction
from scorm_api.errors import forbidden
from scorm_api.launches import progress, rules, service
from scorm_api.launches.models import AuLaunch
from scorm_api.packages.course import course_of
from scorm_api.sessions import tracking
from scorm_api.sessions.models import Session
from scorm_api.xapi import credentials, store
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.multipart import Part
from scorm_api.xapi.scorm_bridge import learner

LEARNER_PREFERENCES = "cmi5LearnerPreferences"
LAUNCH_DATA = "LMS.LaunchData"


def credential_source(username: str, password: str) -> credentials.LrsPrincipal | None:
    """A launch's credentials: its principal, guarded; None for other usernames."""
    if not username.startswith(service.LAUNCH_PREFIX):
        return None
    launch = service.authenticate(username, password)
    if launch is None:
        raise credentials.refused("Unknown or expired launch credentials")
    return credentials.LrsPrincipal(
        launch.id, launch.tenant_id, username, frozenset(credentials.SCOPES), LaunchGuard(launch.id)
    )


def _live(launch_id: str) -> tuple[AuLaunch, Session]:
    launch = AuLaunch.get_or_none(AuLaunch.id == launch_id)
    if launch is None or launch.ended:
        raise credentials.refused("This AU session has ended")
    return launch, Session.get_by_id(launch.session_id)


def _learner_key(session: Session) -> str:
    return actor_key(learner(session))


class LaunchGuard:
    """xapi.credentials.LrsGuard for one launch's credentials."""

    def __init__(self, launch_id: str):
        self.launch_id = launch_id

    def store_statements(
        self, tenant_id: str, batch: list[dict], authority: dict, version: str, parts: list[Part]
    ) -> list[str]:
        fresh: list[dict] = []  # the statements not stored before (replays are no-ops)

        def check(new: list[dict]) -> None:  # after xAPI validation: a malformed statement is a 400 first
            fresh.extend(new)
            if launch.kind == "cmi5":
                au = course_of(session.package_version_id).au(launch.item_id)
                rules.check(
                    launch, au, learner(session), tracking.find_state(session.id, launch.item_id), new
                )

        with write_transaction():
            launch, session = _live(self.launch_id)
            ids = store.store(
                tenant_id, batch, authority, version, package_id=session.package_id, parts=parts, check=check
            )
            if fresh:
                (progress.apply_cmi5 if launch.kind == "cmi5" else progress.apply_xapi)(
                    launch, session, fresh
                )
        return ids

    def check_query(self, filters: dict) -> None:
        """A statement query is about the learner, or the launch's registration."""
        _, session = _live(self.launch_id)
        if (filters.get("registration") or "").lower() == session.id.lower():
            return
        if filters.get("agent_key") == _learner_key(session):
            return
        raise forbidden(
            "A launch's credentials query the learner's statements: filter by its registration or agent"
        )

    def check_statement(self, statement: dict) -> None:
        _, session = _live(self.launch_id)
        registration = ((statement.get("context") or {}).get("registration") or "").lower()
        if registration != session.id.lower() and actor_key(statement.get("actor")) != _learner_key(session):
            raise forbidden("A launch's credentials read the learner's statements only")

    def check_document(self, kind: str, method: str, agent_key: str, doc_id: str | None) -> None:
        """Before a document request: the learner's documents only; a cmi5 AU never writes
        LMS.LaunchData (10.2.1) nor the learner preferences (11.0: the LMS may refuse, and
        does); reading the preferences is noted, since the AU must before it initializes."""
        writes = method in ("PUT", "POST", "DELETE")
        launch, session = _live(self.launch_id)
        if kind == "activity_profile":
            return
        if agent_key != _learner_key(session):
            raise forbidden("A launch's credentials reach the learner's documents only")
        if launch.kind != "cmi5":
            return
        if kind == "state" and writes and doc_id in (LAUNCH_DATA, None):
            raise forbidden("LMS.LaunchData is written by the LMS only (cmi5 10.2.1)")
        if kind == "agent_profile" and doc_id == LEARNER_PREFERENCES:
            if writes:
                raise forbidden("The learner preferences are kept by the LMS (cmi5 11.0)")
            if not launch.prefs_read:
                with write_transaction():
                    AuLaunch.update(prefs_read=True).where(AuLaunch.id == launch.id).execute()
