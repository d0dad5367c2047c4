"""One vocabulary per standard: the CMI element names and rules that differ between SCORM 1.2
and SCORM 2004, each in its own class, so the code that tracks sessions asks the package's
vocabulary instead of branching on the standard (as scorm-again keeps one data model per
standard). The normalisation rules themselves are in cmi.py.

cmi5 and xAPI content has no CMI of its own; where the appliance keeps item state for it (a
waived AU), the 2004 names are used."""

from __future__ import annotations

import functools

from scorm_api.sessions import cmi, datamodel
from scorm_api.sessions.cmi import Normalized

SCORM12 = "scorm_1_2"


class Vocabulary:
    standard: str
    # The elements the LMS sets before a launch.
    learner_id: str
    learner_name: str
    entry: str
    total_time: str
    credit: str
    mode: str
    # What the content reports.
    exit: str
    session_time: str
    score_prefix: str
    score_parts: tuple[str, ...]  # the score's parts this standard has
    status_names: tuple[str, ...]  # the elements the content reports its status in
    data_model: datamodel.DataModel  # what each element accepts (datamodel.py)
    # 1.2 caps cmi.suspend_data at 4,096 characters; longer data is kept (content written for
    # 2004 often sends more) and the commit is logged. None: no cap of the standard's own.
    suspend_data_limit: int | None = None

    def normalize(
        self, data: dict, mastery_score: float | None, completion_threshold: float | None
    ) -> Normalized:
        raise NotImplementedError

    def format_time(self, seconds: float) -> str:
        """Seconds as this standard's time type."""
        raise NotImplementedError

    def status_elements(self, completion: str | None, success: str | None) -> dict[str, str]:
        """The seed's completion_status / success_status as this standard's elements."""
        raise NotImplementedError

    def item_elements(
        self, mastery_score: float | None, completion_threshold: float | None
    ) -> dict[str, str]:
        """What the LMS hands an item of the manifest (its mastery score or threshold)."""
        raise NotImplementedError

    def xapi_response(self, kind: str, value: str) -> str:
        """An interaction's response as xAPI writes it."""
        return value

    @property
    def per_launch(self) -> frozenset[str]:
        """Elements a new launch must not inherit (write-only, or about one session)."""
        return frozenset({self.session_time, self.exit, self.entry, self.total_time})

    @functools.cached_property
    def result_elements(self) -> frozenset[str]:
        """What records the learner's result (status, score, time, exit, a navigation
        request): a session at its data limits can still write these (sessions.limits)."""
        return frozenset(
            {
                *self.status_names,
                *(self.score_prefix + part for part in self.score_parts),
                self.session_time,
                self.exit,
                "adl.nav.request",
            }
        )

    def explicit_cmi(self, body: dict) -> dict[str, str]:
        """The seed's PUT fields (statuses, score, suspend_data) as this standard's elements."""
        out = self.status_elements(body.get("completion_status"), body.get("success_status"))
        score = body.get("score") or {}
        for part in self.score_parts:
            if score.get(part) is not None:
                out[self.score_prefix + part] = f"{score[part]:g}"
        if body.get("suspend_data") is not None:
            out["cmi.suspend_data"] = body["suspend_data"]
        return out


class Scorm12(Vocabulary):
    standard = SCORM12
    learner_id, learner_name = "cmi.core.student_id", "cmi.core.student_name"
    entry, total_time = "cmi.core.entry", "cmi.core.total_time"
    credit, mode = "cmi.core.credit", "cmi.core.lesson_mode"
    exit, session_time = "cmi.core.exit", "cmi.core.session_time"
    score_prefix, score_parts = "cmi.core.score.", ("raw", "min", "max")
    status_names = ("cmi.core.lesson_status",)
    data_model = datamodel.SCORM12_MODEL
    suspend_data_limit = 4096

    def normalize(self, data, mastery_score, completion_threshold):
        return cmi.normalize_12(data, mastery_score)

    def format_time(self, seconds):
        return cmi.format_timespan_12(seconds)

    def status_elements(self, completion, success):
        if not (completion or success):
            return {}
        # One element carries both: a result wins over a completion.
        status = {"passed": "passed", "failed": "failed"}.get(success or "") or {
            "completed": "completed",
            "incomplete": "incomplete",
            "not_attempted": "not attempted",
        }.get(completion or "", "incomplete")
        return {"cmi.core.lesson_status": status}

    def item_elements(self, mastery_score, completion_threshold):
        return {} if mastery_score is None else {"cmi.student_data.mastery_score": f"{mastery_score:g}"}

    def xapi_response(self, kind, value):
        # 1.2 writes lists with plain commas and pairs with dots; xAPI (like 2004) with the
        # [,] and [.] delimiters.
        if kind in ("choice", "sequencing"):
            return "[,]".join(value.split(","))
        if kind == "matching":
            return "[,]".join("[.]".join(pair.split(".", 1)) for pair in value.split(","))
        return value


class Scorm2004(Vocabulary):
    standard = "scorm_2004"
    learner_id, learner_name = "cmi.learner_id", "cmi.learner_name"
    entry, total_time = "cmi.entry", "cmi.total_time"
    credit, mode = "cmi.credit", "cmi.mode"
    exit, session_time = "cmi.exit", "cmi.session_time"
    score_prefix, score_parts = "cmi.score.", ("raw", "min", "max", "scaled")
    status_names = ("cmi.completion_status", "cmi.success_status", "cmi.progress_measure")
    data_model = datamodel.SCORM2004_MODEL

    def normalize(self, data, mastery_score, completion_threshold):
        return cmi.normalize_2004(data, completion_threshold)

    def format_time(self, seconds):
        return cmi.format_duration(seconds)

    def status_elements(self, completion, success):
        out = {}
        if completion:
            out["cmi.completion_status"] = completion.replace("_", " ")
        if success:
            out["cmi.success_status"] = success
        return out

    def item_elements(self, mastery_score, completion_threshold):
        return (
            {} if completion_threshold is None else {"cmi.completion_threshold": f"{completion_threshold:g}"}
        )


SCORM_12, SCORM_2004 = Scorm12(), Scorm2004()
# Everything a new launch drops, whichever standard wrote it (adl.nav.request too: a
# navigation request is for the launch that made it).
PER_LAUNCH = SCORM_12.per_launch | SCORM_2004.per_launch | {"adl.nav.request"}


def for_standard(standard: str | None) -> Vocabulary:
    """A package's vocabulary (a package without a standard is treated as SCORM 1.2)."""
    return SCORM_12 if standard in (None, "", SCORM12) else SCORM_2004


def normalize(
    standard: str | None,
    data: dict,
    *,
    mastery_score: float | None = None,
    completion_threshold: float | None = None,
) -> Normalized:
    """`data` normalised by the rules of `standard`."""
    return for_standard(standard).normalize(data, mastery_score, completion_threshold)
