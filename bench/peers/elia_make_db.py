"""Run with Elia's own interpreter: create Elia's database and fill it with N conversations.

    <elia venv>/bin/python elia_make_db.py COUNT MARKER

Elia keeps its data in $XDG_DATA_HOME/elia/elia.sqlite; the schema is created by Elia's own code and the rows
are written with sqlite3 in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import random
import sqlite3
import sys

from elia_chat.database import models  # noqa: F401  (registers the tables)
from elia_chat.database.database import create_database, sqlite_file_name

TOPICS = ["login flow", "parser", "CSV export", "cache layer", "retry logic", "config loader", "search index",
          "billing report", "CI pipeline", "websocket client", "date handling", "migration script"]
PARAGRAPH = ("The function reads the whole file before it checks the header, so a large input costs memory "
             "it does not need. Reading the first block, validating it and then streaming the rest keeps "
             "the footprint flat. ")


def main() -> int:
    count, marker = int(sys.argv[1]), sys.argv[2]
    asyncio.run(create_database())
    rng = random.Random(7)
    start = datetime.datetime(2025, 1, 1)
    db = sqlite3.connect(sqlite_file_name)
    message_id = 0
    with db:
        for chat in range(1, count + 1):
            title = marker if chat == count else f"help with the {rng.choice(TOPICS)} {chat}"
            when = start + datetime.timedelta(minutes=chat)
            db.execute("INSERT INTO chat (id, model, title, started_at, archived) VALUES (?, ?, ?, ?, 0)",
                       (chat, "elia-gpt-4o", title, when.isoformat(sep=" ")))
            parent = None
            for turn, role in enumerate(["system", "user", "assistant", "user", "assistant"]):
                message_id += 1
                text = ("You are a helpful assistant." if role == "system"
                        else f"Can you help with {title}?" if role == "user" else PARAGRAPH * rng.randint(1, 4))
                stamp = (when + datetime.timedelta(seconds=turn)).isoformat(sep=" ")
                db.execute(
                    "INSERT INTO message (id, chat_id, role, content, timestamp, meta, parent_id, model)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (message_id, chat, role, text, stamp, json.dumps({}), parent, "elia-gpt-4o"),
                )
                parent = message_id
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
