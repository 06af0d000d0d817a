"""The one paging, sorting and filtering rule of the admin lists."""

from __future__ import annotations

from lti_tool.services.listing import ListQuery, list_page

ROWS = [("Beta", "school"), ("alpha", "district"), ("Gamma", "school"), ("delta", "school")]
SORTS = {"name": lambda r: r[0].casefold(), "kind": lambda r: (r[1], r[0].casefold())}
FILTERS = {"kind": lambda r: r[1]}


def test_filters_search_sorts_and_pages() -> None:
    query = ListQuery(page=2, per_page=1, sort="name", filters={"kind": "school"}, search="A")
    page = list_page(ROWS, query, sorts=SORTS, searched=lambda r: r[0], filters=FILTERS)
    assert page.total == 3  # Beta, Gamma, delta all contain an "a"
    assert page.items == [("delta", "school")]
    assert page.pages == 3 and page.has_previous and page.has_next


def test_unknown_sort_falls_back_to_the_first_and_descending_reverses() -> None:
    query = ListQuery(sort="nope", descending=True)
    page = list_page(ROWS, query, sorts=SORTS)
    assert [r[0] for r in page.items] == ["Gamma", "delta", "Beta", "alpha"]


def test_sorting_the_same_column_again_reverses_it_and_keeps_filters() -> None:
    query = ListQuery(page=3, sort="name", filters={"kind": "school"}, search="x")
    again = query.sorted_by("name")
    assert again.descending and again.page == 1
    assert again.args() == {"kind": "school", "q": "x", "sort": "name", "dir": "desc"}
    assert not again.sorted_by("name").descending
    assert query.sorted_by("kind").args()["sort"] == "kind"
