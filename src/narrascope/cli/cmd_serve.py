"""narrascope serve — the local web interface over a store."""

from __future__ import annotations

from pathlib import Path

import click

from .common import db_option, echo, emit_json, err_console, json_option


def register(group: click.Group) -> None:
    @group.command("serve")
    @db_option
    @click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
                  help="Port to listen on (0: any free port).")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on. Anything but loopback exposes the corpus to your network.")
    @click.option("--read-only", is_flag=True,
                  help="Open the store read-only: other read-only commands may run beside it; no coding or saving.")
    @click.option("--check", is_flag=True, help="Start, fetch every page once, stop (a smoke test).")
    @json_option
    def serve(db: Path, port: int, host: str, read_only: bool, check: bool, as_json: bool) -> None:
        """Browse, search and code the corpus in a web browser: a local server bound to 127.0.0.1.

        While it runs it holds the store (unless --read-only): other narrascope commands on the same --db wait
        until you stop it with Ctrl-C.
        """
        from ..web import require_web

        require_web()
        from ..web.server import is_loopback
        from ..web.server import serve as run

        if not is_loopback(host):
            err_console.print(f"warning: listening on {host}: anyone who can reach this machine on port {port} "
                              "can read the corpus and change coding; use the default 127.0.0.1 unless you "
                              "mean it", markup=False, soft_wrap=True)

        def announce(info: object) -> None:
            from ..web.server import ServeInfo

            assert isinstance(info, ServeInfo)
            if as_json:
                emit_json({"url": info.url, "db": info.db, "read_only": info.read_only})
            else:
                echo(f"narrascope serving {info.db}{' (read-only)' if info.read_only else ''} at {info.url}"
                           + ("" if check else "  (Ctrl-C stops it)"))

        info = run(db, host=host, port=port, read_only=read_only, announce=announce, check=check)
        if check and not as_json:
            echo(f"checked: every page answered at {info.url}")
