"""The figures of the training records, as plain data the PDF and CSV writers and the API
share: a learner's transcript (every course, every attempt) and a compliance report (learners
against required courses, in a period).

Time is the time the course itself reported (SCORM's session time of each launch, summed into
the attempt's total time as the runtime does; cmi5's result durations), never the gap between
a launch and its end: a learner who left a tab open for a night did not train for a night.
`TIME_RULE` says so on every report. An attempt whose course reported no time shows "not
reported", and counts zero in the totals.

A course's result is its best attempt's: the first passed one, else the first completed and not
failed, else the current attempt (the one a launch resumes). That is what an auditor asks: did
this person pass, when, with what score."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scorm_api.db import utcnow_iso
from scorm_api.errors import ApiError, validation_error
from scorm_api.learners import directory
from scorm_api.learners.models import Learner
from scorm_api.packages.models import Package
from scorm_api.sessions.models import Session
from scorm_api.sessions.previews import not_preview

TIME_RULE = (
    "Time is the session time each course reported to the runtime (SCORM cmi.core.session_time "
    "or cmi.session_time, cmi5 result duration), summed per attempt as SCORM sums total time. "
    "It is never measured by the clock between launch and exit; an attempt whose course "
    "reported no time counts zero and shows 'not reported'."
)
RESULT_RULE = (
    "A course's result is its best attempt: the first passed, else the first completed and not "
    "failed, else the current attempt."
)
# A compliance report's size: beyond these a report is no longer one an auditor reads on paper.
MAX_REPORT_LEARNERS = 5000
MAX_REPORT_COURSES = 50
MAX_PDF_COURSES = 10  # side by side on a landscape A4 page, still readable
DONE = ("passed", "completed")


@dataclass(frozen=True)
class Attempt:
    number: int
    session_id: str
    started_at: str | None
    completed_at: str | None
    completion: str
    success: str
    score_scaled: float | None
    score_raw: float | None
    seconds: float
    time_reported: bool
    last_active_at: str

    @property
    def result(self) -> str:
        """One word: passed, failed, completed, in progress or not started."""
        if self.success in ("passed", "failed"):
            return self.success
        if self.completion == "completed":
            return "completed"
        return "not started" if self.completion == "not_attempted" and not self.started_at else "in progress"


@dataclass(frozen=True)
class Course:
    package_id: str
    title: str
    attempts: list[Attempt]

    @property
    def best(self) -> Attempt:
        return best_attempt(self.attempts)

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.attempts)


@dataclass(frozen=True)
class Transcript:
    learner_id: str
    name: str | None
    courses: list[Course]
    generated_at: str

    @property
    def total_seconds(self) -> float:
        return sum(c.seconds for c in self.courses)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.courses if c.best.result == "passed")

    @property
    def completed(self) -> int:
        return sum(1 for c in self.courses if c.best.result in DONE)


@dataclass(frozen=True)
class Cell:
    """One learner and one required course: their best attempt in the period, if any."""

    result: str  # Attempt.result, or "not started"
    met: bool
    completed_at: str | None
    score_scaled: float | None
    seconds: float


@dataclass(frozen=True)
class Row:
    learner_id: str
    name: str | None
    cells: list[Cell]

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.cells)

    def missing(self, courses: list[tuple[str, str]]) -> list[str]:
        return [title for (_, title), cell in zip(courses, self.cells, strict=True) if not cell.met]


@dataclass(frozen=True)
class Compliance:
    courses: list[tuple[str, str]]  # (package id, title), the columns
    rows: list[Row]
    since: str | None
    until: str | None
    generated_at: str
    title: str = "Compliance report"
    notes: list[str] = field(default_factory=list)

    @property
    def compliant(self) -> int:
        return sum(1 for r in self.rows if all(c.met for c in r.cells))

    @property
    def total_seconds(self) -> float:
        return sum(r.seconds for r in self.rows)


def best_attempt(attempts: list[Attempt]) -> Attempt:
    for wanted in (
        lambda a: a.success == "passed",
        lambda a: a.completion == "completed" and a.success != "failed",
    ):
        found = [a for a in attempts if wanted(a)]
        if found:
            return min(found, key=lambda a: (a.completed_at or a.last_active_at, a.number))
    return max(attempts, key=lambda a: a.number)  # the current attempt is the highest number


def _attempt(s: Session) -> Attempt:
    return Attempt(
        number=s.attempt,
        session_id=s.public_id,
        started_at=s.first_launched_at,
        completed_at=s.completed_at,
        completion=s.completion_status,
        success=s.success_status,
        score_scaled=s.score_scaled,
        score_raw=s.score_raw,
        seconds=float(s.time_spent_seconds or 0),
        time_reported=s.session_time is not None,
        last_active_at=s.last_launched_at or s.updated_at,
    )


def _titles(tenant_id: str, package_ids: set[str]) -> dict[str, str]:
    """The package's title as it is now (its latest version's)."""
    if not package_ids:
        return {}
    rows = Package.select(Package.family_id, Package.title).where(
        (Package.tenant == tenant_id) & Package.is_latest & Package.family_id.in_(list(package_ids))
    )
    return {r.family_id: r.title for r in rows}


def _sessions(tenant_id: str, *conditions):
    query = Session.select().where((Session.tenant == tenant_id) & not_preview(), *conditions)
    return query.order_by(Session.package, Session.attempt)


def transcript(tenant_id: str, learner_id: str) -> Transcript:
    """Every course the learner has an attempt at, title order; 404 for a learner not here."""
    learner = directory.get_learner(tenant_id, learner_id)
    by_course: dict[str, list[Attempt]] = defaultdict(list)
    for s in _sessions(tenant_id, Session.user_id == learner_id):
        by_course[s.package_id].append(_attempt(s))
    titles = _titles(tenant_id, set(by_course))
    courses = [Course(pid, titles.get(pid, pid), attempts) for pid, attempts in by_course.items()]
    courses.sort(key=lambda c: (c.title.casefold(), c.package_id))
    return Transcript(learner_id, learner.name, courses, utcnow_iso())


def _in_period(a: Attempt, since: str | None, until: str | None) -> bool:
    """Active in the period: started by its end and still active at its start."""
    return (until is None or (a.started_at or a.last_active_at) <= until) and (
        since is None or a.last_active_at >= since
    )


def _cell(attempts: list[Attempt], since: str | None, until: str | None) -> Cell:
    """Met: completed or passed with the completion inside the period. Time: the attempts
    active in the period, whole (the runtime reports an attempt's time, not its days)."""
    active = [a for a in attempts if _in_period(a, since, until)]
    done = [
        a
        for a in attempts
        if a.result in DONE
        and a.completed_at
        and (since is None or a.completed_at >= since)
        and (until is None or a.completed_at <= until)
    ]
    shown = best_attempt(done) if done else (best_attempt(active) if active else None)
    if shown is None:
        return Cell("not started", False, None, None, 0.0)
    return Cell(
        shown.result,
        bool(done),
        shown.completed_at if done else None,
        shown.score_scaled,
        sum(a.seconds for a in active),
    )


def _courses(tenant_id: str, package_ids: list[str] | None) -> list[tuple[str, str]]:
    if package_ids is None:  # every course the tenant has
        rows = Package.select(Package.family_id, Package.title).where(
            (Package.tenant == tenant_id) & Package.is_latest
        )
        found = sorted(((r.family_id, r.title) for r in rows), key=lambda c: (c[1].casefold(), c[0]))
    else:
        titles = _titles(tenant_id, set(package_ids))
        unknown = [p for p in package_ids if p not in titles]
        if unknown:  # another tenant's package is as unknown as one that never was
            raise ApiError(404, "PACKAGE_NOT_FOUND", "Package not found", {"package_ids": unknown[:20]})
        found = [(p, titles[p]) for p in dict.fromkeys(package_ids)]
    if not found:
        raise validation_error({"package_ids": ["There are no courses to report on"]})
    if len(found) > MAX_REPORT_COURSES:
        raise validation_error(
            {"package_ids": [f"A report covers at most {MAX_REPORT_COURSES} courses: choose them"]}
        )
    return found


def _learners(tenant_id: str, learner_ids: list[str] | None) -> list[tuple[str, str | None]]:
    query = Learner.select(Learner.learner_id, Learner.name).where(Learner.tenant == tenant_id)
    if learner_ids is not None:
        query = query.where(Learner.learner_id.in_(list(dict.fromkeys(learner_ids))))
    found = {r.learner_id: r.name for r in query.limit(MAX_REPORT_LEARNERS + 1)}
    if learner_ids is not None:
        unknown = [i for i in learner_ids if i not in found]
        if unknown:
            raise ApiError(404, "LEARNER_NOT_FOUND", "Learner not found", {"learner_ids": unknown[:20]})
    found.pop("", None)
    if len(found) > MAX_REPORT_LEARNERS:
        too_many = f"A report covers at most {MAX_REPORT_LEARNERS} learners: name them, or split the report"
        raise validation_error({"learner_ids": [too_many]})
    return sorted(found.items(), key=lambda r: ((r[1] or r[0]).casefold(), r[0]))


def compliance(
    tenant_id: str,
    package_ids: list[str] | None = None,
    learner_ids: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    title: str | None = None,
) -> Compliance:
    """Each learner (the named ones, else every learner of the tenant) against each required
    course (the named packages, else every course): met or not in [since, until]."""
    if since and until and since > until:
        raise validation_error({"since": ["The period starts after it ends"]})
    courses = _courses(tenant_id, package_ids)
    learners = _learners(tenant_id, learner_ids)
    wanted = {pid for pid, _ in courses}
    attempts: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    ids = [lid for lid, _ in learners]
    for chunk in range(0, len(ids), 500):  # bound the IN list (SQLite's variable limit)
        conditions = [Session.user_id.in_(ids[chunk : chunk + 500]), Session.package.in_(list(wanted))]
        for s in _sessions(tenant_id, *conditions):
            attempts[(s.user_id, s.package_id)].append(_attempt(s))
    rows = [
        Row(lid, name, [_cell(attempts.get((lid, pid), []), since, until) for pid, _ in courses])
        for lid, name in learners
    ]
    return Compliance(courses, rows, since, until, utcnow_iso(), title or "Compliance report")
