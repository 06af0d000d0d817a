"""Jinja filters: ages, dates and state names written for people."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

STATE_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted, waiting for review",
    "in_review": "In review",
    "awaiting_second_review": "Waiting for a second review",
    "in_second_review": "In second review",
    "awaiting_adjudication": "Waiting for adjudication",
    "in_adjudication": "In adjudication",
    "awaiting_decision": "Reviewed, waiting for the issuer",
    "returned": "Returned for resubmission",
    "awarded": "Awarded",
    "denied": "Not awarded",
    "withdrawn": "Withdrawn",
}


def age(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''}"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def state_label(value: object) -> str:
    text = str(getattr(value, "value", value))
    return STATE_LABELS.get(text, text.replace("_", " "))


def filesize(value: int) -> str:
    size = float(value)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} bytes"


def register(app: Flask) -> None:
    app.add_template_filter(age)
    app.add_template_filter(when)
    app.add_template_filter(state_label)
    app.add_template_filter(filesize)
