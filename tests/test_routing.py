"""URL rules build their URLs as werkzeug's own do, and generate their builders only when
first asked for a URL (scorm_api/routing.py: start-up time)."""

from flask import Flask, url_for
from werkzeug.routing import Rule

from scorm_api.routing import LazyBuilderRule


def urls(rule_class: type[Rule]) -> list[str]:
    app = Flask(__name__, static_folder=None)  # its static rule is added before url_rule_class is set
    app.url_rule_class = rule_class
    app.add_url_rule("/a/<int:n>/b/<path:p>", "ab", lambda n, p: "")
    app.add_url_rule("/plain", "plain", lambda: "")
    with app.test_request_context():
        return [
            url_for("ab", n=3, p="x/y z"),
            url_for("ab", n=3, p="q", extra="1 2", more=[1, 2]),  # unknown values: a query
            url_for("plain", _external=True),
            url_for("plain", z="é"),
        ]


def test_urls_are_built_as_werkzeug_builds_them():
    assert (
        urls(LazyBuilderRule)
        == urls(Rule)
        == [
            "/a/3/b/x/y%20z",
            "/a/3/b/q?extra=1+2&more=1&more=2",
            "http://localhost/plain",
            "/plain?z=%C3%A9",
        ]
    )


def test_builders_are_generated_at_the_first_url_only(monkeypatch):
    made = []
    real = Rule._compile_builder
    monkeypatch.setattr(Rule, "_compile_builder", lambda self, *a: made.append(self.rule) or real(self, *a))
    app = Flask(__name__, static_folder=None)  # its static rule is added before url_rule_class is set
    app.url_rule_class = LazyBuilderRule
    app.add_url_rule("/one", "one", lambda: "")
    app.add_url_rule("/two", "two", lambda: "")
    assert made == []
    with app.test_request_context():
        url_for("one")
        url_for("one")
    assert made == ["/one"]  # the builder without unknown values, once


def test_the_app_uses_them(app):
    assert {type(r) for r in app.url_map.iter_rules()} == {LazyBuilderRule}
