"""CSV export target: per-district column templates, plus a PDF certificate per award."""
