"""Uploads kept in memory only, with a body limit of their own route.

Every route answers 413 above DATA_UPLOAD_MAX_MEMORY_SIZE (1 MB, caseflow/middleware.py); a route
decorated with `body_limit` takes up to its own limit instead. Its files are read into memory by
`MemoryOnlyUploadHandler`, never into a temporary file on disk (Django's default above 2.5 MB), so
nothing of an upload is left behind on the server.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

F = TypeVar("F", bound=Callable[..., Any])


def body_limit(max_bytes: Callable[[], int]) -> Callable[[F], F]:
    """Marks a view as taking request bodies of up to `max_bytes()` bytes (RequestSizeLimitMiddleware
    calls it per request, so a setting changed in a test or by the environment is read as it is now)."""

    def mark(view: F) -> F:
        view.max_body_size = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps each uploaded file in memory and stops reading past `limit` bytes (`too_large` says so)."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        self._buffer = io.BytesIO()
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._size += len(raw_data)
        if self._size > self.limit:
            self.too_large = True
            # The rest of the body is not read; the view answers 413.
            raise StopUpload(connection_reset=False)
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self._buffer.seek(0)
        return InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            # The browser's name for the file is not kept anywhere: it can name the victim.
            name="upload",
            content_type="application/octet-stream",
            size=file_size,
            charset=None,
            content_type_extra=self.content_type_extra,
        )


def use_memory_uploads(request: HttpRequest, limit: int) -> MemoryOnlyUploadHandler:
    """Makes the request read its files into memory, up to `limit` bytes; before anything reads the body."""
    handler = MemoryOnlyUploadHandler(request, limit=limit)
    request.upload_handlers = [handler]
    return handler
