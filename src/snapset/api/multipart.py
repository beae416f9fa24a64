"""Streaming multipart/form-data parser for uploads.

FastAPI's `UploadFile` spools the whole body before the handler runs, so a size limit
could only be checked afterwards. This parser reads the request body chunk by chunk,
writes the file part straight to a temporary file while hashing it, and stops reading
as soon as the file passes its cap: the temporary file never holds more than the cap,
and nothing is ever whole in memory.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from snapset.service.errors import ServiceError, TooLarge


class MalformedUpload(ServiceError):
    status = 400


class UnsupportedMediaType(ServiceError):
    status = 415


MAX_FIELD_BYTES = 8192
MAX_FIELDS = 32
# Bytes of multipart framing and fields allowed beyond the file cap before we give up.
ENVELOPE_ALLOWANCE = 256 * 1024


@dataclass
class ReceivedFile:
    """The streamed file part: where it is, how big, its sha256 and client-side name."""

    path: Path
    size: int
    sha256: str
    filename: str | None
    content_type: str | None
    head: bytes


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    file: ReceivedFile | None = None

    def discard(self) -> None:
        if self.file is not None:
            self.file.path.unlink(missing_ok=True)


class _Collector:
    """Callbacks for python-multipart's push parser."""

    def __init__(self, tmp_dir: Path, file_field: str, max_file_bytes: int) -> None:
        self.tmp_dir = tmp_dir
        self.file_field = file_field
        self.max_file_bytes = max_file_bytes
        self.form = ParsedForm()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._filename: str | None = None
        self._is_file = False
        self._value = bytearray()
        self._fh: Any = None
        self._path: Path | None = None
        self._size = 0
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self.error: ServiceError | None = None
        self.ended = False

    # header callbacks
    def on_part_begin(self) -> None:
        self._headers = {}
        self._name = None
        self._filename = None
        self._is_file = False
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.strip().lower()] = self._header_value.strip()
        self._header_field = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition")
        if disposition is None:
            self._fail(MalformedUpload("malformed_multipart", "a part has no Content-Disposition"))
            return
        _kind, options = parse_options_header(disposition)
        name = options.get(b"name")
        if name is None:
            self._fail(MalformedUpload("malformed_multipart", "a part has no field name"))
            return
        self._name = name.decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._is_file = filename is not None or self._name == self.file_field
        if self._is_file:
            if self._name != self.file_field:
                self._fail(
                    MalformedUpload(
                        "unexpected_file_field",
                        f"send the photo in the field {self.file_field!r}, not {self._name!r}",
                    )
                )
                return
            if self.form.file is not None or self._fh is not None:
                self._fail(MalformedUpload("multiple_files", "send exactly one file per upload"))
                return
            self._filename = filename.decode("utf-8", "replace")[:255] if filename else None
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            self._path = self.tmp_dir / f"upload-{uuid.uuid4().hex}.part"
            self._fh = open(self._path, "wb")  # noqa: SIM115 - closed in on_part_end/cleanup
        elif len(self.form.fields) >= MAX_FIELDS:
            self._fail(MalformedUpload("too_many_fields", f"at most {MAX_FIELDS} form fields"))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        chunk = data[start:end]
        if self._is_file:
            if self._size + len(chunk) > self.max_file_bytes:
                self._fail(
                    TooLarge(
                        "file_too_large",
                        f"the file is larger than the limit of {self.max_file_bytes} bytes",
                        limit_bytes=self.max_file_bytes,
                    )
                )
                return
            self._fh.write(chunk)
            self._hash.update(chunk)
            if len(self._head) < 64:
                self._head.extend(chunk[: 64 - len(self._head)])
            self._size += len(chunk)
        else:
            if len(self._value) + len(chunk) > MAX_FIELD_BYTES:
                self._fail(MalformedUpload("field_too_long", f"field {self._name!r} is too long"))
                return
            self._value.extend(chunk)

    def on_part_end(self) -> None:
        if self.error is not None or self._name is None:
            return
        if self._is_file:
            self._fh.close()
            self._fh = None
            assert self._path is not None
            content_type = self._headers.get(b"content-type")
            self.form.file = ReceivedFile(
                path=self._path,
                size=self._size,
                sha256=self._hash.hexdigest(),
                filename=self._filename,
                content_type=content_type.decode("latin-1")[:64] if content_type else None,
                head=bytes(self._head),
            )
        else:
            try:
                self.form.fields[self._name] = self._value.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(MalformedUpload("malformed_field", f"field {self._name!r} is not UTF-8"))

    def on_end(self) -> None:
        self.ended = True

    def _fail(self, error: ServiceError) -> None:
        if self.error is None:
            self.error = error

    def cleanup(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self.form.file = None

    def callbacks(self) -> dict[str, Any]:
        names = (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_end",
        )
        return {name: getattr(self, name) for name in names}


def boundary_of(content_type: str | None) -> bytes:
    if not content_type:
        raise UnsupportedMediaType(
            "unsupported_media_type", "send the upload as multipart/form-data"
        )
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise UnsupportedMediaType(
            "unsupported_media_type",
            f"send the upload as multipart/form-data, not {kind.decode('latin-1')}",
        )
    boundary = options.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise MalformedUpload("malformed_multipart", "multipart/form-data without a boundary")
    return boundary


async def receive_form(
    chunks: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: int | None,
    tmp_dir: Path,
    max_file_bytes: int,
    file_field: str = "file",
) -> ParsedForm:
    """Parse a multipart body from `chunks`, streaming the file part to `tmp_dir`.

    Stops pulling chunks as soon as a limit is passed. On any error the partial file is
    removed and a ServiceError (400/413/415) is raised.
    """
    boundary = boundary_of(content_type)
    hard_limit = max_file_bytes + ENVELOPE_ALLOWANCE
    if content_length is not None and content_length > hard_limit:
        raise TooLarge(
            "file_too_large",
            f"the upload is larger than the limit of {max_file_bytes} bytes",
            limit_bytes=max_file_bytes,
        )
    collector = _Collector(tmp_dir, file_field, max_file_bytes)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            received += len(chunk)
            if received > hard_limit:
                collector._fail(
                    TooLarge(
                        "file_too_large",
                        f"the upload is larger than the limit of {max_file_bytes} bytes",
                        limit_bytes=max_file_bytes,
                    )
                )
            else:
                try:
                    parser.write(chunk)
                except Exception as exc:  # python-multipart raises its own parse errors
                    collector._fail(
                        MalformedUpload("malformed_multipart", f"malformed multipart body: {exc}")
                    )
            if collector.error is not None:
                break
        if collector.error is None:
            try:
                parser.finalize()
            except Exception as exc:
                collector._fail(
                    MalformedUpload("malformed_multipart", f"malformed multipart body: {exc}")
                )
        if collector.error is None and not collector.ended:
            collector._fail(
                MalformedUpload("malformed_multipart", "the multipart body ended too early")
            )
    except BaseException:
        collector.cleanup()
        raise
    if collector.error is not None:
        collector.cleanup()
        raise collector.error
    return collector.form
