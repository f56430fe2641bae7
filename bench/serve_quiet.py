"""`grassroots serve` without the escalation scheduler and the webhook sender, for benchmarks
on a generated history: its overdue whistles stay as generated (the scheduler would escalate
them at start-up, writing to the cached database and taking CPU from the measurement).

    python bench/serve_quiet.py --port PORT      (settings from GRASSROOTS_* as usual)
"""

from __future__ import annotations

import argparse

import uvicorn

from grassroots.app import create_app
from grassroots.settings import Settings


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    app = create_app(Settings.from_env(), run_scheduler=False)
    # As cli.cmd_serve runs it: one process, no per-message deflate.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", ws_per_message_deflate=False
    )


if __name__ == "__main__":
    main()
