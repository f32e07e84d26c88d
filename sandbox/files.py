"""Stored files: uploads by the bot, media sent by emulated users, file_id resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError, bad_request
from sandbox.models import FileRecord, Upload

if TYPE_CHECKING:
    from sandbox.state import State

MAX_UPLOAD = 50 * 1024 * 1024
_PREFIX = {
    "photo": "AgACAgIAAxkBAAI", "document": "BQACAgIAAxkBAAI", "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI", "video": "BAACAgIAAxkBAAI", "video_note": "DQACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI", "animation": "CgACAgIAAxkBAAI",
}  # fmt: skip
_FOLDER = {
    "photo": "photos", "document": "documents", "sticker": "stickers", "voice": "voice", "video": "videos",
    "video_note": "video_notes", "audio": "music", "animation": "animations",
}  # fmt: skip
_EXT = {"photo": "jpg", "sticker": "webp", "voice": "oga", "video": "mp4", "video_note": "mp4", "audio": "mp3"}
_MAGIC = {
    "photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "sticker": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "voice": b"OggS\x00\x02",
    "video": b"\x00\x00\x00\x18ftypmp42",
    "video_note": b"\x00\x00\x00\x18ftypmp42",
}
_MIME = {"voice": "audio/ogg", "video": "video/mp4", "audio": "audio/mpeg", "animation": "video/mp4"}
MEDIA_KINDS = tuple(_PREFIX)


def fake_bytes(state: State, kind: str, size: int = 2048) -> bytes:
    return _MAGIC.get(kind, b"") + state.rng.randbytes(size)


def new_file(
    state: State, kind: str, data: bytes, *, file_name: str | None = None, mime_type: str | None = None
) -> FileRecord:
    number = len(state.files) + 1
    file_id = _PREFIX[kind] + state.token(40)
    ext = _EXT.get(kind) or (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin")
    record = FileRecord(file_id, "AQAD" + state.token(12), kind, data, f"{_FOLDER[kind]}/file_{number}.{ext}")
    if file_name:
        record.meta["file_name"] = file_name
    if mime_type or kind in _MIME:
        record.meta["mime_type"] = mime_type or _MIME[kind]
    state.files[file_id] = record
    state.files_by_path[record.file_path] = record
    return record


def _base(record: FileRecord) -> dict[str, Any]:
    return {"file_id": record.file_id, "file_unique_id": record.file_unique_id, "file_size": len(record.data)}


def media_content(state: State, record: FileRecord) -> dict[str, Any]:
    """The Message fields describing ``record`` (``{"photo": [...]}``, ``{"document": {...}}``, ...)."""
    meta = record.meta
    if record.kind == "photo":
        small_id = meta.get("small_id")
        small = state.files.get(small_id) if isinstance(small_id, str) else None
        if small is None:
            small = new_file(state, "photo", record.data[:512])
            meta["small_id"] = small.file_id
        return {"photo": [{**_base(small), "width": 90, "height": 68}, {**_base(record), "width": 1280, "height": 960}]}
    data = _base(record)
    extras: dict[str, dict[str, Any]] = {
        "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
        "voice": {"duration": 3},
        "video": {"width": 640, "height": 360, "duration": 5},
        "video_note": {"length": 240, "duration": 5},
        "audio": {"duration": 30},
        "animation": {"width": 320, "height": 240, "duration": 2},
    }
    data.update(extras.get(record.kind, {}))
    if record.kind == "sticker":
        data["emoji"] = "👍"
    for key in ("file_name", "mime_type"):
        if key in meta and record.kind not in ("sticker", "video_note"):
            data[key] = meta[key]
    return {record.kind: data}


def resolve_input_file(state: State, value: Any, kind: str) -> FileRecord:
    """Resolve an InputFile-or-String parameter: upload, file_id or (unreachable) HTTP URL."""
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        if len(value.data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        return new_file(state, kind, value.data, file_name=value.filename, mime_type=value.content_type)
    text = str(value).strip()
    if text.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    record = state.files.get(text)
    if record is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if record.kind != kind:
        raise bad_request("type of file mismatch")
    return record


def content_kind(data: dict[str, Any]) -> str | None:
    return next((kind for kind in MEDIA_KINDS if kind in data), None)
