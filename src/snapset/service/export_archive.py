"""Write an export as a zip, a tar or a plain folder, one member at a time.

Members are copied from open binary streams in fixed-size chunks, so memory stays
constant whatever the number or size of photos. The archive is written to `<target>.part`
and renamed into place only when complete: a download never sees half an archive.
"""

from __future__ import annotations

import shutil
import tarfile
import time
import zipfile
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

ArchiveKind = Literal["zip", "tar", "folder"]
ARCHIVE_KINDS: tuple[ArchiveKind, ...] = ("zip", "tar", "folder")
CHUNK_BYTES = 1024 * 1024


class ArchiveWriter(Protocol):
    def add_stream(self, name: str, stream: BinaryIO, size: int) -> None: ...
    def add_bytes(self, name: str, data: bytes) -> None: ...
    def close(self) -> Path: ...
    def abort(self) -> None: ...


def archive_suffix(kind: ArchiveKind) -> str:
    return {"zip": ".zip", "tar": ".tar", "folder": ""}[kind]


class ZipArchiveWriter:
    """Stored (not deflated) zip: photos are already compressed; zip64 for big exports."""

    def __init__(self, target: Path) -> None:
        self._target = target
        self._part = target.with_name(target.name + ".part")
        self._zip = zipfile.ZipFile(
            self._part, "w", compression=zipfile.ZIP_STORED, allowZip64=True
        )

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> None:
        info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
        info.file_size = size
        with self._zip.open(info, "w", force_zip64=size > 2**31) as member:
            shutil.copyfileobj(stream, member, CHUNK_BYTES)

    def add_bytes(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)

    def close(self) -> Path:
        self._zip.close()
        self._part.replace(self._target)
        return self._target

    def abort(self) -> None:
        self._zip.close()
        self._part.unlink(missing_ok=True)


class TarArchiveWriter:
    """Uncompressed POSIX tar: streams member by member, readable by every tool."""

    def __init__(self, target: Path) -> None:
        self._target = target
        self._part = target.with_name(target.name + ".part")
        self._tar = tarfile.open(self._part, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(time.time())
        info.mode = 0o644
        return info

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> None:
        self._tar.addfile(self._info(name, size), stream)

    def add_bytes(self, name: str, data: bytes) -> None:
        import io

        self._tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def close(self) -> Path:
        self._tar.close()
        self._part.replace(self._target)
        return self._target

    def abort(self) -> None:
        self._tar.close()
        self._part.unlink(missing_ok=True)


class FolderArchiveWriter:
    """A plain directory tree, for exports read in place (e.g. by `snapset convert`)."""

    def __init__(self, target: Path) -> None:
        self._target = target
        self._part = target.with_name(target.name + ".part")
        shutil.rmtree(self._part, ignore_errors=True)
        self._part.mkdir(parents=True)

    def _path(self, name: str) -> Path:
        path = (self._part / name).resolve()
        if not path.is_relative_to(self._part.resolve()):
            raise ValueError(f"export member {name!r} escapes the export folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> None:
        with self._path(name).open("wb") as out:
            shutil.copyfileobj(stream, out, CHUNK_BYTES)

    def add_bytes(self, name: str, data: bytes) -> None:
        self._path(name).write_bytes(data)

    def close(self) -> Path:
        shutil.rmtree(self._target, ignore_errors=True)
        self._part.replace(self._target)
        return self._target

    def abort(self) -> None:
        shutil.rmtree(self._part, ignore_errors=True)


def open_archive(target: Path, kind: ArchiveKind) -> ArchiveWriter:
    """An archive writer of `kind` that will produce `target` when closed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "zip":
        return ZipArchiveWriter(target)
    if kind == "tar":
        return TarArchiveWriter(target)
    if kind == "folder":
        return FolderArchiveWriter(target)
    raise ValueError(f"unknown archive kind {kind!r}; expected one of {ARCHIVE_KINDS}")
