"""What the dashboard's page scripts need to know from the server, rendered into every page as
JSON (page.html, `#page-data`), so that the scripts keep no second copy of a server vocabulary.

Every value is imported at the top from the module that defines it: when one of them moves or
is renamed, this module fails to import at start-up, naming the import to fix, rather than a
page quietly offering a choice the server no longer accepts. The few labels the dashboard adds
are checked against the server's values here, at import, for the same reason.

The standards' human names ("SCORM 2004 3rd ed.") stay in the scripts (format.js): no Python
module names them, and the server never needs them."""

from __future__ import annotations

from scorm_api.admin.logs import LEVELS
from scorm_api.dashboard.passwords import MIN_LENGTH
from scorm_api.dispatches.services import STANDARDS as DISPATCH_STANDARDS
from scorm_api.launches.service import WAIVE_REASONS
from scorm_api.principals import SCOPES as API_KEY_SCOPES
from scorm_api.sessions.models import COMPLETION, SUCCESS
from scorm_api.webhooks.events import ALL as ALL_EVENTS
from scorm_api.webhooks.events import TYPES as WEBHOOK_EVENTS
from scorm_api.xapi.credentials import SCOPES as LRS_SCOPES
from scorm_api.xapi.scorm_bridge import COURSE


def _known(vocabulary: tuple[str, ...], *values: str) -> list[str]:
    """`values`, each checked to be one of `vocabulary`'s."""
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValueError(f"dashboard page data: {unknown} not in {vocabulary}; update page_data.py")
    return list(values)


def _choices(vocabulary: tuple[str, ...], labels: dict[str, str], *, every: bool) -> list[list[str]]:
    """[value, label] pairs in the labels' order; with `every`, no value may go unlabelled (a
    filter must be able to pick each one)."""
    _known(vocabulary, *labels)
    unlabelled = [v for v in vocabulary if v not in labels] if every else []
    if unlabelled:
        raise ValueError(f"dashboard page data: no label for {unlabelled}; update page_data.py")
    return [[value, label] for value, label in labels.items()]


_DATA = {
    # The session list's filters, furthest first as they have always been listed.
    "completion_choices": _choices(
        COMPLETION,
        {"completed": "Completed", "incomplete": "Incomplete", "not_attempted": "Not attempted"},
        every=True,
    ),
    "success_choices": _choices(
        SUCCESS, {"passed": "Passed", "failed": "Failed", "unknown": "Unknown"}, every=True
    ),
    "waive_reasons": list(WAIVE_REASONS),
    "api_key_scopes": list(API_KEY_SCOPES),
    # Left unticked on a new key: admin is granted on purpose, never by default.
    "api_key_unticked_scopes": _known(API_KEY_SCOPES, "admin"),
    "lrs_scopes": list(LRS_SCOPES),
    "lrs_read_only_scopes": _known(LRS_SCOPES, "read"),
    # The Logs page's "Show" choices, by the least level listed: the log is written from info up
    # (requestlog.py), and "Errors only" takes critical in too.
    "log_level_choices": _choices(
        LEVELS, {"info": "Everything", "warning": "Warnings and errors", "error": "Errors only"}, every=False
    ),
    # The activity type of a course in the LRS: the analytics page's per-course figures.
    "course_activity_type": COURSE,
    "password_min_length": MIN_LENGTH,
    # The Webhooks page's event checkboxes, and the value meaning all of them.
    "webhook_events": list(WEBHOOK_EVENTS),
    "webhook_all_events": ALL_EVENTS,
    # The Dispatches page's choice of the ZIP's SCORM version, the server's default first.
    "dispatch_standards": list(DISPATCH_STANDARDS),
}


def page_data() -> dict:
    """The same for every page and every request: built once, at import."""
    return _DATA
