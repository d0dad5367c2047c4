"""Training records that stand up in an audit: a learner's transcript and a compliance report
(learners against required courses in a period), as PDF and CSV, each issued file kept by its
checksum so that `scorm-api verify-record` and the dashboard's Verify page can say whether a
file was issued here and is unaltered. Above the learners (an erased learner's transcripts are
withdrawn) and the sessions and packages it reads."""

from __future__ import annotations

from flask import Flask

from scorm_api.state import State


def init_app(app: Flask, state: State) -> None:
    from scorm_api.records import routes

    app.register_blueprint(routes.bp)
    wire(state)


def wire(state: State) -> None:
    from scorm_api.learners import signals
    from scorm_api.records import issuing

    # weak=False: a module function connected again is not a second receiver
    signals.learner_deleted.connect(issuing.withdraw_learner, weak=False)
