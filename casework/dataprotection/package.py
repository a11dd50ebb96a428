"""The release package of a subject access export: a ZIP holding the export as a readable HTML
page, the same as a PDF, the same as JSON, and ``manifest.json`` listing every other file with
its SHA-256, so the recipient (and the council, later) can check nothing was altered.

Everything in it is built from the redacted document, so a redaction is honoured in every file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from casework.assessments.pdf import render_pdf

HTML_NAME = "subject-access-export.html"
PDF_NAME = "subject-access-export.pdf"
JSON_NAME = "subject-access-export.json"
MANIFEST_NAME = "manifest.json"
#: A fixed time inside the archive: the manifest says when it was released.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(files: dict[str, bytes], about: dict[str, Any]) -> dict[str, Any]:
    """The manifest: what the package is, and every file with its size and SHA-256."""
    return {**about, "files": [{"name": name, "bytes": len(data), "sha256": sha256(data)} for name, data in sorted(files.items())]}


def build(document: dict[str, Any], render_html: Callable[[dict[str, Any]], str], about: dict[str, Any]) -> bytes:
    """The ZIP of the (already redacted) ``document``; ``render_html`` turns it into the page."""
    html = render_html(document)
    files = {
        HTML_NAME: html.encode("utf-8"),
        PDF_NAME: render_pdf(html),
        JSON_NAME: json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8"),
    }
    files[MANIFEST_NAME] = json.dumps(manifest(files, about), indent=2, sort_keys=True).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in (MANIFEST_NAME, HTML_NAME, PDF_NAME, JSON_NAME):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()
