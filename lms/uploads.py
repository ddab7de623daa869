"""Virus scanning of uploads by ClamAV's daemon (clamd), on when CLAMD_SOCKET or CLAMD_HOST is set.

One function for every upload: H5P packages (courses.h5p.storage), roster files
(classrooms.roster.forms) and Wagtail documents (lms.document_forms). The file is streamed to clamd
(INSTREAM), so clamd needs no access to our files; it looks inside ZIP-based files (.h5p,
.xlsx, .docx) itself. While scanning is configured and clamd does not answer, uploads are
refused: a file that was not scanned is never stored (fail closed).
"""

import io
import logging
from typing import BinaryIO

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

VIRUS_FOUND = "virus_found"
SCAN_FAILED = "virus_scan_failed"


def scan_enabled() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _client():
    if settings.CLAMD_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=settings.CLAMD_TIMEOUT)
    return ClamdNetworkSocket(
        host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=settings.CLAMD_TIMEOUT
    )


def scan_file(file: BinaryIO, *, name: str) -> None:
    """Raise ValidationError (code virus_found or virus_scan_failed) unless clamd finds the
    file clean; do nothing when scanning is off. The file is read from its start and left
    rewound."""
    if not scan_enabled():
        return
    file.seek(0)
    try:
        status, signature = _client().instream(file).get("stream", ("ERROR", "no answer"))
    except (ClamdError, OSError) as exc:  # unreachable, timed out, or the stream too long
        status, signature = "ERROR", str(exc)
    finally:
        file.seek(0)
    if status == "OK":
        return
    if status == "FOUND":
        logger.warning("upload %r refused: clamd found %s", name, signature)
        raise ValidationError(
            _(
                "“%(name)s” was refused: the virus scanner found %(signature)s in it "
                "(rule: %(rule)s)."
            )
            % {"name": name, "signature": signature, "rule": VIRUS_FOUND},
            code=VIRUS_FOUND,
        )
    logger.error("upload %r refused: clamd could not scan it: %s", name, signature)
    raise ValidationError(
        _(
            "No virus check could be done, so “%(name)s” was refused: try again later, and tell "
            "the site's administrator if it goes on (rule: %(rule)s)."
        )
        % {"name": name, "rule": SCAN_FAILED},
        code=SCAN_FAILED,
    )


def scan_bytes(data: bytes, *, name: str) -> None:
    scan_file(io.BytesIO(data), name=name)
