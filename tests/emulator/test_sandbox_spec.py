"""The reduced Bot API spec: produced by sandbox.spec.reduce, loadable via importlib.resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.spec import load_spec
from sandbox.spec.reduce import reduce_spec

SPEC_DIR = Path(__file__).resolve().parents[2] / "sandbox" / "spec"
UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.min.json"

UPSTREAM_SAMPLE = {
    "version": "Bot API 9.9",
    "release_date": "May 1, 2026",
    "changelog": "https://core.telegram.org/bots/api#may-1-2026",
    "methods": {
        "sendThing": {
            "name": "sendThing",
            "href": "https://core.telegram.org/bots/api#sendthing",
            "description": ["Sends a thing."],
            "returns": ["Message"],
            "fields": [
                {"name": "chat_id", "types": ["Integer", "String"], "required": True, "description": "Target"},
                {"name": "thing", "types": ["Thing"], "required": False, "description": "The thing"},
            ],
        },
        "getNothing": {"name": "getNothing", "href": "x", "description": ["-"], "returns": ["True"]},
    },
    "types": {
        "Thing": {"name": "Thing", "href": "x", "description": ["A thing:", "- ThingA"], "subtypes": ["ThingA"]},
        "ThingA": {
            "name": "ThingA",
            "href": "x",
            "description": ["First"],
            "fields": [{"name": "type", "types": ["String"], "required": True, "description": 'Type, always "a"'}],
        },
    },
}


def test_reduce_keeps_facts_only() -> None:
    reduced = reduce_spec(UPSTREAM_SAMPLE)
    assert reduced["version"] == "Bot API 9.9" and reduced["release_date"] == "May 1, 2026"
    assert reduced["methods"]["sendThing"] == {
        "fields": [["chat_id", ["Integer", "String"], True], ["thing", ["Thing"], False]],
        "returns": ["Message"],
    }
    assert reduced["methods"]["getNothing"] == {"fields": [], "returns": ["True"]}
    assert reduced["types"]["Thing"] == {"fields": [], "subtypes": ["ThingA"]}
    assert reduced["types"]["ThingA"] == {"fields": [["type", ["String"], True]], "subtypes": [], "tag": ["type", "a"]}
    assert '"description":' not in json.dumps(reduced) and "Sends a thing" not in json.dumps(reduced)


def test_cli_writes_the_file(tmp_path: Path) -> None:
    src, dst = tmp_path / "api.json", tmp_path / "out.json"
    src.write_text(json.dumps(UPSTREAM_SAMPLE), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.spec.reduce", str(src), str(dst)],
        capture_output=True,
        text=True,
        check=True,
        cwd=SPEC_DIR.parents[1],
    )
    assert "Bot API 9.9" in done.stdout
    assert json.loads(dst.read_text(encoding="utf-8")) == reduce_spec(UPSTREAM_SAMPLE)


def test_bundled_spec() -> None:
    spec = load_spec()
    assert spec.version.startswith("Bot API ")
    assert spec.method("sendmessage") is spec.methods["sendMessage"]
    text = next(f for f in spec.methods["sendMessage"].fields if f.name == "text")
    assert text.required and text.types == ("String",)
    assert spec.types["InputMediaPhoto"].tag == ("type", "photo")
    assert spec.types["ChatMemberBanned"].tag == ("status", "kicked")
    assert (SPEC_DIR / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert '"description":' not in (SPEC_DIR / "botapi.json").read_text(encoding="utf-8")


@pytest.mark.skipif(not UPSTREAM.exists(), reason="upstream api.min.json not available")
def test_bundled_spec_matches_upstream() -> None:
    upstream = json.loads(UPSTREAM.read_text(encoding="utf-8"))
    bundled = json.loads((SPEC_DIR / "botapi.json").read_text(encoding="utf-8"))
    assert bundled == reduce_spec(upstream), "run `python -m sandbox.spec.reduce` to refresh botapi.json"
