"""What happens to a learner or a session deleted here, as blinker signals, for the features
above (the webhooks' `session.deleted`, `learner.deleted`, `learner.merged`). Receivers run in
the sender's thread and write transaction, so what they record commits with the deletion."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Session, just before its rows are deleted (it can still be serialised).
session_deleted = _signals.signal("session-deleted")
# sender: the tenant id; learner_id, sessions (how many were erased with them).
learner_deleted = _signals.signal("learner-deleted")
# sender: the tenant id; source, target (learner ids), moved (sessions), renumbered
# (packages whose attempts now count both learners' sessions).
learner_merged = _signals.signal("learner-merged")
