"""The CSV download behind a chart, shared by every page that draws one."""

from __future__ import annotations

from flask import Response

from lti_tool.charts import to_csv
from lti_tool.domain.series import ChartData


def csv_response(chart: ChartData) -> Response:
    """The chart's table as an attachment named after its key."""
    return Response(
        to_csv(chart),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="credbridge-{chart.key}.csv"'},
    )
