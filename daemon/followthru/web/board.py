"""The rep's board (being written): sign-in, the plans, one plan, decisions, upload and download."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

pages = Blueprint("board", __name__)


@pages.get("/")
def home() -> Response:
    return redirect(url_for("board.plans"))


@pages.get("/plans")
def plans() -> Response:
    return Response("plans")


@pages.get("/upload")
def upload() -> Response:
    return Response("upload")


@pages.post("/sign-out")
def sign_out() -> Response:
    return redirect(url_for("board.home"))
