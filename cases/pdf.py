"""PDF documents from Django templates, with WeasyPrint.

Every PDF extends templates/pdf/base.html and is styled by static/css/print.css: A4, "Page X of Y"
and OFFICIAL-SENSITIVE at the top and bottom of every page, black on white so that it prints and
photocopies in black and white.

WeasyPrint may fetch only our own static files: a template (or a name typed by a user into one)
can never make the server request another address.
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PRINT_STYLESHEET = "css/print.css"


def _stylesheet() -> Path:
    found = finders.find(PRINT_STYLESHEET)
    if not found or isinstance(found, list):
        raise FileNotFoundError(PRINT_STYLESHEET)
    return Path(found)


class StaticFilesOnly(URLFetcher):
    """Fetch data: URLs and files under the static directory; refuse anything else."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"The PDF may not load {url}")
        return super().fetch(url, headers)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template to PDF bytes, styled by the print stylesheet."""
    stylesheet = _stylesheet()
    static_root = stylesheet.parent.parent
    fetcher = StaticFilesOnly(static_root)
    document = HTML(
        string=render_to_string(template_name, context),
        base_url=static_root.as_uri() + "/",
        url_fetcher=fetcher,
    )
    pdf = document.write_pdf(stylesheets=[CSS(filename=str(stylesheet), url_fetcher=fetcher)])
    if pdf is None:  # only when given a target to write to; we ask for bytes
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    """A download that no cache keeps: the document holds children's personal data."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
