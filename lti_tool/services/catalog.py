"""Import the catalog from data and browse it. Importing the same file twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from lti_tool.domain.catalog import CatalogDocument
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import CredentialVersion, Stack, new_id
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.services.common import record


@dataclass
class CatalogImportReport:
    """What an import did, credential by credential."""

    stacks_created: list[str] = field(default_factory=list)
    stacks_updated: list[str] = field(default_factory=list)
    credentials_created: list[str] = field(default_factory=list)
    credentials_new_version: list[tuple[str, int]] = field(default_factory=list)
    credentials_unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.stacks_created
            or self.stacks_updated
            or self.credentials_created
            or self.credentials_new_version
        )

    def summary(self) -> str:
        return (
            f"stacks: {len(self.stacks_created)} created, {len(self.stacks_updated)} updated; "
            f"credentials: {len(self.credentials_created)} created, "
            f"{len(self.credentials_new_version)} new versions, "
            f"{len(self.credentials_unchanged)} unchanged"
        )


@dataclass(frozen=True)
class StackView:
    stack: Stack
    credentials: list[CredentialVersion]


class CatalogService:
    """Loads catalog documents into versioned credentials and serves the catalog to browse."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def import_document(
        self, document: CatalogDocument, actor_id: str | None = None
    ) -> CatalogImportReport:
        """Create or update stacks and credentials in one transaction.

        A credential whose content changed gets a new version; submissions already started keep
        the version they began on.
        """
        report = CatalogImportReport()
        now = self._clock.now()
        with self._uow() as uow:
            for stack_definition in document.stacks:
                existing = uow.catalog.stack_by_slug(stack_definition.slug)
                stack = Stack(
                    id=existing.id if existing else new_id(),
                    slug=stack_definition.slug,
                    title=stack_definition.title,
                    description=stack_definition.description,
                )
                if existing is None:
                    uow.catalog.save_stack(stack)
                    report.stacks_created.append(stack.slug)
                    record(uow, now, actor_id, "stack", stack.id, "create", None, None, stack.slug)
                elif existing != stack:
                    uow.catalog.save_stack(stack)
                    report.stacks_updated.append(stack.slug)
                    record(uow, now, actor_id, "stack", stack.id, "update", None, None, stack.slug)
                for definition in stack_definition.credentials:
                    current = uow.catalog.current_version(definition.slug)
                    fingerprint = definition.fingerprint()
                    if (
                        current
                        and current.fingerprint == fingerprint
                        and current.stack_id == stack.id
                    ):
                        report.credentials_unchanged.append(definition.slug)
                        continue
                    version = CredentialVersion(
                        id=new_id(),
                        credential_id=current.credential_id if current else new_id(),
                        slug=definition.slug,
                        stack_id=stack.id,
                        version=(current.version + 1) if current else 1,
                        fingerprint=fingerprint,
                        definition=definition,
                        created_at=now,
                    )
                    uow.catalog.add_version(version)
                    if current is None:
                        report.credentials_created.append(definition.slug)
                    else:
                        report.credentials_new_version.append((definition.slug, version.version))
                    record(
                        uow,
                        now,
                        actor_id,
                        "credential",
                        version.credential_id,
                        "import",
                        f"v{current.version}" if current else None,
                        f"v{version.version}",
                        definition.slug,
                    )
            uow.commit()
        return report

    def browse(self) -> list[StackView]:
        """Every stack with the current version of each of its credentials."""
        with self._uow() as uow:
            return [
                StackView(
                    stack,
                    sorted(
                        uow.catalog.current_versions(stack.id),
                        key=lambda item: item.definition.title,
                    ),
                )
                for stack in sorted(uow.catalog.stacks(), key=lambda item: item.title)
            ]

    def credential(self, slug: str) -> tuple[Stack, CredentialVersion]:
        with self._uow() as uow:
            current = uow.catalog.current_version(slug)
            if current is None:
                raise NotFoundError(f"There is no credential {slug!r} in the catalog.")
            return uow.catalog.stack(current.stack_id), current

    def history(self, slug: str) -> list[CredentialVersion]:
        with self._uow() as uow:
            return uow.catalog.versions_of(slug)
