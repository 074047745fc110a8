"""Lay the HTML out with WeasyPrint and write the PDF.

WeasyPrint is imported here and nowhere else, and only when a PDF is
needed: importing it takes most of a second, which ``cvbuild validate``
should not pay.

Resources load only from the theme's folder and the profile's folder. The
URL fetcher below raises on anything else (a file elsewhere, http, https,
data), so the renderer never touches the network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cvbuild.errors import Problem, ResourceError

if TYPE_CHECKING:
    from weasyprint import Document

    from cvbuild.build import BuildInputs

logger = logging.getLogger(__name__)

# PDF/UA-1 (ISO 14289-1) makes WeasyPrint tag the document: a structure
# tree of headings, lists, paragraphs and links in reading order, with
# /MarkInfo /Marked true and XMP metadata that declares the standard.
# NOTE: WeasyPrint 70 tags text in page margins, such as page numbers, but
# leaves it out of the structure tree. No PDF/UA validator such as veraPDF
# checks the output, so the file claims a conformance that is not verified.
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class PdfMetadata:
    """Document properties written into the PDF's information dictionary."""

    title: str
    author: str
    subject: str | None
    keywords: tuple[str, ...]
    language: str


def _make_fetcher(allowed_folders: tuple[Path, ...]) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class RejectedResource(FatalURLFetchingError):
        """A resource outside the allowed folders; stops the rendering."""

        def __init__(self, url: str, reason: str) -> None:
            super().__init__(f"{url}: {reason}")
            self.url = url
            self.reason = reason

    class LocalOnlyFetcher(URLFetcher):
        """Serves ``file:`` URLs inside the allowed folders and rejects everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.rejected_type = RejectedResource

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise RejectedResource(url, f"{parts.scheme or 'relative'} resources are not loaded")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(folder) for folder in allowed_folders):
                raise RejectedResource(url, "the file is outside the theme and profile folders")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()


def layout_html(html: str, base_folder: Path, allowed_folders: tuple[Path, ...]) -> Document:
    """Lay ``html`` out into pages; relative URLs resolve against ``base_folder``.

    Raises ``ResourceError`` when the document requests a resource outside
    ``allowed_folders``.
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _make_fetcher(tuple(folder.resolve() for folder in allowed_folders))
    document = HTML(string=html, base_url=base_folder.resolve().as_uri() + "/", url_fetcher=fetcher)
    try:
        return document.render()
    except FatalURLFetchingError as error:
        cause = error if isinstance(error, fetcher.rejected_type) else error.__cause__
        url = getattr(cause, "url", str(error))
        reason = getattr(cause, "reason", str(cause or error))
        raise ResourceError([Problem(
            message=f"cannot load {url}: {reason}",
            hint="keep images and fonts in the theme's folder or the profile's folder and refer to them by relative path",
        )]) from None


def pdf_bytes(document: Document, metadata: PdfMetadata) -> bytes:
    """Serialise a laid-out document to PDF with ``metadata``.

    With ``SOURCE_DATE_EPOCH`` set, the creation and modification dates come
    from it, so the same inputs give the same bytes. Without it, or with an
    invalid value, the PDF carries no dates.
    """
    document.metadata.title = metadata.title
    document.metadata.authors = [metadata.author]
    document.metadata.description = metadata.subject
    document.metadata.keywords = list(metadata.keywords)
    document.metadata.lang = metadata.language
    document.metadata.generator = "cvbuild"

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = _source_date(epoch) if epoch is not None else None
    if stamp is not None:
        document.metadata.created = stamp
        document.metadata.modified = stamp

    return document.write_pdf(
        uncompressed_pdf=False, pdf_identifier=_identifier(metadata), pdf_variant=PDF_VARIANT
    )


@functools.cache
def _source_date(epoch: str) -> str | None:
    """Convert a SOURCE_DATE_EPOCH value (seconds since 1970, UTC) to the W3C date WeasyPrint expects.

    Cached, so an invalid value is reported once per run and not once per PDF.
    """
    stamp = None
    if re.fullmatch(r"[0-9]+", epoch.strip()):
        with contextlib.suppress(ValueError, OverflowError, OSError):
            stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    if stamp is None:
        logger.warning(
            "SOURCE_DATE_EPOCH=%r is invalid because it is not a whole number of seconds "
            "from 1970 to the year 9999, so the PDF has no creation or modification date", epoch
        )
        return None
    return stamp.isoformat()


def _identifier(metadata: PdfMetadata) -> bytes:
    """Derive the PDF file identifier from the metadata, so rebuilding gives the same bytes."""
    import hashlib

    digest = hashlib.md5(f"{metadata.title}\0{metadata.author}".encode(), usedforsecurity=False)
    return digest.hexdigest().encode("ascii")


def metadata_for(inputs: BuildInputs) -> PdfMetadata:
    basics = inputs.profile.basics
    top_skills = tuple(keyword for group in inputs.profile.skills for keyword in group.keywords)[:12]
    return PdfMetadata(
        title=f"{basics.name} - CV",
        author=basics.name,
        subject=basics.label,
        keywords=top_skills,
        language=inputs.profile.settings.locale.replace("_", "-"),
    )
