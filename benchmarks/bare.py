"""The anchor: a bare Flask app answering "ok", served with the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def ok() -> str:
    return "ok"
