"""Copying text: the system clipboard through its command-line tool where one is installed, and the terminal's
clipboard escape (OSC 52) always; the message says which, since the escape alone silently fails in many terminals."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

#: Clipboard tools by platform, tried in order; the first one installed is used.
TOOLS = (("wl-copy",), ("xclip", "-selection", "clipboard"), ("xsel", "--clipboard", "--input"), ("pbcopy",),
         ("clip.exe",))


def system_copy(text: str) -> str | None:
    """Copy with the first clipboard tool found; its name, or None when there is none (or it failed)."""
    for command in TOOLS:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=3,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    return None


def copy_text(app: Any, text: str) -> str:
    """Copy ``text`` every way available; returns what to tell the user."""
    app.copy_to_clipboard(text)  # OSC 52: reaches the local clipboard over ssh, where the terminal allows it
    tool = system_copy(text)
    if tool is not None:
        return f"copied {len(text):,} characters to the clipboard ({tool})"
    return (f"sent {len(text):,} characters to the terminal's clipboard (OSC 52; if pasting gives nothing, your "
            "terminal does not allow it: use Save instead)")
