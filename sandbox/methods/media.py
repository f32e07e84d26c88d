"""sendPhoto/Document/Sticker/Voice/Video/VideoNote/Audio/Animation, location, venue, contact, media groups."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.files import media_content, resolve_input_file
from sandbox.methods.common import caption_content, deliver, rate_limit, sendable_chat
from sandbox.methods.registry import Ctx, method
from sandbox.models import ChatRecord

_FILE_METHODS = {
    "sendPhoto": "photo", "sendDocument": "document", "sendSticker": "sticker", "sendVoice": "voice",
    "sendVideo": "video", "sendVideoNote": "video_note", "sendAudio": "audio", "sendAnimation": "animation",
}  # fmt: skip
_NO_CAPTION = ("sticker", "video_note")


def _file_handler(kind: str) -> Any:
    async def handler(ctx: Ctx) -> Any:
        params = ctx.params

        def build(_chat: ChatRecord) -> dict[str, Any]:
            caption = {} if kind in _NO_CAPTION else caption_content(params)
            record = resolve_input_file(ctx.state, params[kind], kind)
            content = media_content(ctx.state, record)
            if params.get("has_spoiler") and kind in ("photo", "video", "animation"):
                content["has_media_spoiler"] = True
            return {**content, **caption}

        return deliver(ctx, build).data

    return handler


for _name, _kind in _FILE_METHODS.items():
    method(_name)(_file_handler(_kind))


def _coordinates(params: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = params["latitude"], params["longitude"]
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise bad_request("wrong latitude or longitude specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if params.get("horizontal_accuracy") is not None:
        location["horizontal_accuracy"] = params["horizontal_accuracy"]
    return location


@method("sendLocation")
async def send_location(ctx: Ctx) -> Any:
    location = _coordinates(ctx.params)
    if ctx.params.get("live_period"):
        location["live_period"] = ctx.params["live_period"]
    return deliver(ctx, lambda _chat: {"location": location}).data


@method("sendVenue")
async def send_venue(ctx: Ctx) -> Any:
    params = ctx.params
    location = _coordinates(params)
    venue: dict[str, Any] = {"location": location, "title": params["title"], "address": params["address"]}
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if params.get(key):
            venue[key] = params[key]
    return deliver(ctx, lambda _chat: {"location": location, "venue": venue}).data


@method("sendContact")
async def send_contact(ctx: Ctx) -> Any:
    params = ctx.params
    if not params["phone_number"].strip() or not params["first_name"].strip():
        raise bad_request("CONTACT_NAME_EMPTY" if params["phone_number"].strip() else "PHONE_NUMBER_INVALID")
    contact = {key: params[key] for key in ("phone_number", "first_name", "last_name", "vcard") if params.get(key)}
    return deliver(ctx, lambda _chat: {"contact": contact}).data


@method("sendDice")
async def send_dice(ctx: Ctx) -> Any:
    emoji = ctx.params.get("emoji") or "🎲"
    top = {"🎲": 6, "🎯": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}.get(emoji)
    if top is None:
        raise bad_request("DICE_EMOJI_INVALID")
    value = ctx.state.rng.randint(1, top)
    return deliver(ctx, lambda _chat: {"dice": {"emoji": emoji, "value": value}}).data


@method("sendMediaGroup")
async def send_media_group(ctx: Ctx) -> Any:
    params, state = ctx.params, ctx.state
    items: list[dict[str, Any]] = params["media"]
    if not 2 <= len(items) <= 10:
        raise bad_request("Too few media in album" if len(items) < 2 else "Too many media in album")
    kinds = {item["type"] for item in items}
    if len(kinds) > 1 and (kinds & {"document", "audio"}):
        raise bad_request("document can't be mixed with other media types")
    rate_limit(state, sendable_chat(state, params["chat_id"]))
    group_id = str(state.rng.randrange(10**17, 10**18))
    sent = []
    for item in items:

        def build(_chat: ChatRecord, item: dict[str, Any] = item) -> dict[str, Any]:
            media = item["media"]
            if isinstance(media, str) and media.startswith("attach://"):
                upload = ctx.uploads.get(media[len("attach://") :])
                if upload is None:
                    raise bad_request("wrong file identifier/HTTP URL specified")
                media = upload
            record = resolve_input_file(state, media, item["type"])
            return {"media_group_id": group_id, **media_content(state, record), **caption_content(item)}

        sent.append(deliver(ctx, build, limit=False).data)
    return sent
