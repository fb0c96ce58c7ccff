"""The yardstick: a bare Flask route answering 5 KB of HTML, served the same way as the app
(gunicorn, the same workers), so page throughput can be given as a share of it."""

from __future__ import annotations

from flask import Flask

PAGE = "<!doctype html><html><body>" + "<p>物业客服 PropDesk bench</p>" * 150 + "</body></html>"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def page():
        return PAGE

    return app
