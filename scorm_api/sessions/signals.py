"""What happens to a learner's session, as blinker signals: the features above (the xAPI
bridge, cmi5's moveOn) subscribe in their init_app; sessions never import them. Receivers run
in the sender's thread and write transaction, so what they record commits with the change."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Session, just created (a registration: cmi5 evaluates moveOn now).
session_created = _signals.signal("session-created")
# sender: the Session; a launch link was opened (launch_count already counted).
launched = _signals.signal("launched")
# sender: the Session; item_id, title: the player started this item (SCO).
item_started = _signals.signal("item-started")
# sender: the Session; vocabulary, item_id, before, after: the item's CMI data changed.
cmi_changed = _signals.signal("cmi-changed")
# sender: the Session; completion_before, success_before: its status was recomputed
# (announced only when the LMS decides it: xAPI and cmi5 content reports its own).
status_changed = _signals.signal("status-changed")
# sender: the Session; completion_before, success_before, score_before (scaled, raw): its
# statuses, score and time were saved after a write (every commit, the REST PUT), whoever
# decided them (webhooks: progress, completion, score).
saved = _signals.signal("saved")
# sender: the Session; item_id, exit_value, session_seconds: an item's final commit.
item_ended = _signals.signal("item-ended")
# sender: the Session; every open launch of it must end now (its progress was reset, or a
# new attempt replaced it). Its player tokens stop writing on their own (launch_epoch_ms).
launches_ended = _signals.signal("launches-ended")
