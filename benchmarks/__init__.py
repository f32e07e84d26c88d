"""`make bench`: figures, not pass/fail tests (python -m benchmarks --help).

Everything runs on loopback against the Bot API emulator (sandbox/), which lives in the benchmark's own process;
the bot — ours, and a bare python-telegram-bot echo bot as the reference — runs as a process of its own, as in
production, so that its start-up time and resident memory can be measured and it can be killed with SIGKILL.
"""
