"""What happens to a package, as blinker signals, for the features above to subscribe to in
their init_app (the webhooks' package events). Receivers run in the sender's thread and write
transaction, so what they record commits with the change."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: a Package row (any version) whose processing just ended ready / failed.
processed = _signals.signal("processed")
processing_failed = _signals.signal("processing-failed")
# sender: the Package row of a new version (version_number > 1), just ready: new sessions
# get it from now on.
version_ready = _signals.signal("version-ready")
# sender: the package's latest version, just before the package (every version) is deleted.
deleting = _signals.signal("deleting")
