"""The CSV export target: one CSV (in the district's template) and one certificate per award.

With a folder, each delivery writes ``<template>-<award>-<action>.csv`` and, for an award,
``certificate-<award>.pdf`` (same names on a repeat, so a replay changes nothing). Without a
folder the delivery is recorded and admins download the CSV of every delivered award.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from connectors.pdms.csv_export.certificate import certificate_pdf
from connectors.pdms.csv_export.client import ExportFolder
from connectors.pdms.csv_export.mapping import render
from lti_tool.domain.delivery import DeliveryAction, DeliveryItem, Receipt, TargetBusy


class CsvExportTarget:
    """``DeliveryAdapter`` writing CSV files and certificates."""

    def __init__(self, template: str, folder: ExportFolder | None) -> None:
        self.template = template
        self.folder = folder

    @classmethod
    def build(cls, config: Mapping[str, str], secrets: Mapping[str, str]) -> CsvExportTarget:
        folder = config.get("dir")
        return cls(config["template"], ExportFolder(Path(folder)) if folder else None)

    def _name(self, item: DeliveryItem) -> str:
        return f"{self.template}-{item.award_id}-{item.action.value}.csv"

    def deliver(self, item: DeliveryItem) -> Receipt:
        if self.folder is None:
            return Receipt(200, "ready for download", None)
        try:
            written = self.folder.write(self._name(item), render(self.template, [item]).encode())
            if item.action is DeliveryAction.AWARD:
                self.folder.write(f"certificate-{item.award_id}.pdf", certificate_pdf(item))
        except OSError as error:
            raise TargetBusy(f"Cannot write to {self.folder.path}: {error.strerror}") from error
        return Receipt(201, f"wrote {written.name}", written.name)

    def check(self) -> str:
        if self.folder is None:
            return f"template {self.template}: offered as a download"
        try:
            self.folder.write(".credbridge-test", b"ok")
        except OSError as error:
            raise TargetBusy(f"Cannot write to {self.folder.path}: {error.strerror}") from error
        return f"template {self.template}: {self.folder.path} is writable"

    def holds(self, item: DeliveryItem) -> bool | None:
        return None if self.folder is None else self.folder.has(self._name(item))

    def export(self, items: Iterable[DeliveryItem]) -> bytes:
        """The CSV of ``items`` for download."""
        return render(self.template, items).encode("utf-8")
