"""What happens to a dispatch, as blinker signals, for the features above (the webhooks'
`dispatch.*` events). Receivers run in the sender's thread and write transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Dispatch row, after the change.
created = _signals.signal("created")
changed = _signals.signal("changed")  # its settings, enabled or disabled, its count reset
revoked = _signals.signal("revoked")
# sender: the Dispatch row; registration=: the new Registration (a learner's first launch).
registered = _signals.signal("registered")
