"""A Telegram Bot API emulator for tests, benchmarks and local demos.

The bot under test talks HTTP to it exactly as to api.telegram.org::

    async with Emulator(EmulatorConfig(token=TOKEN)) as emu:
        bot = telegram.Bot(TOKEN, base_url=f"{emu.api_url}/bot", base_file_url=f"{emu.api_url}/file/bot")
        user = emu.add_user("Amira", language_code="ar")
        user.send_command("start")
"""

from sandbox.config import EmulatorConfig
from sandbox.emulator import Emulator
from sandbox.handles import GroupHandle, UserHandle
from sandbox.limits import Limits
from sandbox.models import Call, Topic
from sandbox.state import GENERAL_TOPIC

__all__ = ["GENERAL_TOPIC", "Call", "Emulator", "EmulatorConfig", "GroupHandle", "Limits", "Topic", "UserHandle"]
