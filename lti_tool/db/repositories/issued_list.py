"""The issued credentials list's SQL: the sortable columns (a whitelist) and the filters.
Kept apart so the badge repository stays readable."""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func
from sqlalchemy.orm import InstrumentedAttribute

from lti_tool.db.models import IssuedCredentialRow
from lti_tool.ports_badges import IssuedFilter

Columns = TypeVarTuple("Columns")
ISSUED_ORDER: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "issued": IssuedCredentialRow.issued_at,
    "title": func.lower(IssuedCredentialRow.title),
}


def issued_where(query: Select[*Columns], filters: IssuedFilter | None) -> Select[*Columns]:
    """Keep the issued credentials the filter matches."""
    row = IssuedCredentialRow
    if filters is not None and filters.status in ("valid", "revoked"):
        revoked = row.revoked_at.is_not(None)
        query = query.where(revoked if filters.status == "revoked" else ~revoked)
    if filters is not None and filters.title.strip():
        needle = filters.title.strip().lower()
        query = query.where(func.lower(row.title).contains(needle, autoescape=True))
    return query
