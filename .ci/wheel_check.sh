#!/usr/bin/env bash
# The artifact a user gets: build the wheel, install it into a fresh virtual environment with only the `tui`
# extra (no dev tools, no editable install, no repository on sys.path) and use every entry point from a folder
# outside the repository. The editable install the tests use cannot catch a package or data file missing from
# the wheel; this can.
#
# Usage: .ci/wheel_check.sh [WORKDIR]   (default: a temporary folder, removed at exit)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -ge 1 ]]; then
    work="$1"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
case "$work" in "$repo"/*) echo "wheel_check: WORKDIR must lie outside the repository" >&2; exit 2 ;; esac

echo "== build the wheel (from a copy of the tracked files: no stale build/ folder can add or hide a module)"
rm -rf "$work/src" "$work/dist"
mkdir -p "$work/src"
python - "$repo" "$work/src" <<'PY'
import shutil, subprocess, sys
from pathlib import Path

repo, dest = Path(sys.argv[1]), Path(sys.argv[2])
listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                        capture_output=True, check=True).stdout.decode().split("\0")
for name in filter(None, listed):
    if (repo / name).is_file():  # a tracked file deleted in the work tree is not part of this build
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, dest / name)
PY
python -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
wheels=("$work"/dist/hangul_rnn-*.whl)
wheel="${wheels[0]}"
echo "$wheel"

echo "== install it into a fresh venv (extras: tui only)"
rm -rf "$work/venv"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "${wheel}[tui]"

# A stranger's machine: a folder outside the repository, an empty home, no local corpora, no repository on the path.
cd "$work"
unset HANGUL_RNN_CORPORA PYTHONPATH
export HANGUL_RNN_HOME="$work/home"
py="$work/venv/bin/python"
hr="$work/venv/bin/hangul-rnn"

echo "== imported from the venv, not the repository"
"$py" - "$repo" <<'PY'
import sys
from pathlib import Path

import hangul_rnn, hangul_rnn.commands, hangul_rnn.manifests, hangul_rnn_tui

repo = Path(sys.argv[1]).resolve()
for module in (hangul_rnn, hangul_rnn.commands, hangul_rnn.manifests, hangul_rnn_tui):
    where = Path(module.__file__).resolve()
    assert repo not in where.parents, f"{module.__name__} was imported from the repository: {where}"
    print(f"{module.__name__}: {where}")
PY

echo "== hangul-rnn --help"
"$hr" --help
# A line TensorFlow's native side writes (absl format) must not reach a user's terminal.
quiet() {
    if grep -E '^[IWEF][0-9]{4} |absl::InitializeLog' "$work/stderr.txt"; then
        echo "wheel_check: TensorFlow's native log lines reached stderr of: $*" >&2
        exit 1
    fi
    cat "$work/stderr.txt" >&2
}
echo "== hangul-rnn generate"
"$hr" generate --prompt "태조가" --max-tokens 20 --seed 1 2> "$work/stderr.txt"
quiet generate
echo "== hangul-rnn score"
"$hr" score "정말 재미있어요" 2> "$work/stderr.txt"
quiet score
echo "== hangul-rnn label (soft labels from the shipped classifier, NumPy runtime)"
printf '이 영화는 올해 본 것 중에 손꼽을 만하다\n두 시간 내내 시계만 보았다\n' > "$work/r.txt"
"$hr" label "$work/soft.tsv" --corpus "text:$work/r.txt" 2> "$work/stderr.txt"
quiet label
if [[ $(wc -l < "$work/soft.tsv") -ne 3 ]] || ! head -1 "$work/soft.tsv" | grep -q "p:positive"; then
    echo "wheel_check: label should write a header and one row per text" >&2
    exit 1
fi
echo "== hangul-rnn models"
"$hr" models
echo "== hangul-rnn corpus list"
"$hr" corpus list
echo "== hangul-rnn pretrain-embeddings without the 'vectors' extra: one line saying how to get it, exit 2"
printf '왕이 말하였다\n' > "$work/t.txt"
rc=0
"$hr" pretrain-embeddings "$work/v.vec" --corpus "text:$work/t.txt" 2> "$work/stderr.txt" || rc=$?
cat "$work/stderr.txt"
if [[ $rc -ne 2 || $(wc -l < "$work/stderr.txt") -ne 1 || -e "$work/v.vec" ]] \
        || ! grep -q "hangul-rnn\[vectors\]" "$work/stderr.txt"; then
    echo "wheel_check: pretrain-embeddings without gensim should fail with one line and exit 2 (got $rc)" >&2
    exit 1
fi

echo "== the TUI, headless"
"$py" - <<'PY'
import asyncio

from hangul_rnn_tui.app import HangulRNNApp


async def main() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(100, 34)) as pilot:
        for key in ("f2", "f3", "f4", "f5", "f1"):
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("ctrl+q")
    print("TUI started, switched every tab and quit")


asyncio.run(main())
PY
echo "== wheel check passed"
