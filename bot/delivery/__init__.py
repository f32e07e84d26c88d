"""Getting updates in and messages out, durably: inbox, outbox, sender, rate limits."""

import warnings

from telegram.warnings import PTBUserWarning

# The inbox and outbox keep Bot API calls as data (method name and parameters) and make them with
# Bot.do_api_request; PTB's hint to use its typed methods instead is beside the point here.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
