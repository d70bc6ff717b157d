#!/usr/bin/env bash
# Regenerates screenshots/*.png: real renders of the main screens of `strata demo`, with their
# colours.
#
#   scripts/screenshots.sh                 # all screens, 120x40, default theme
#   THEME=light scripts/screenshots.sh     # another theme (files get a -light suffix)
#   COLS=80 ROWS=24 scripts/screenshots.sh # another size (files get a -80x24 suffix)
#
# How: the demo runs in a detached tmux pane of the given size (TERM=xterm-256color, an empty
# HOME so your own keymap and theme do not leak in); keys are sent to it like a user would type
# them; `tmux capture-pane -e` gives each screen as text with its SGR colour codes; a small
# Python program (Pillow, in a venv this script creates under target/) paints that grid with
# DejaVu Sans Mono into a PNG.
#
# Needs tmux, python3 with venv, and the DejaVu fonts; on Debian/Ubuntu:
#   apt-get install -y tmux python3-venv fonts-dejavu-core
# The script installs Pillow itself (pip, into target/screenshots-venv).
set -euo pipefail

cd "$(dirname "$0")/.."
COLS="${COLS:-120}"
ROWS="${ROWS:-40}"
THEME="${THEME:-}"
OUT="${OUT:-screenshots}"
SESSION="strata-shots-$$"
VENV="target/screenshots-venv"

suffix=""
[ "$COLS" != 120 ] || [ "$ROWS" != 40 ] && suffix="-${COLS}x${ROWS}"
[ -n "$THEME" ] && suffix="${suffix}-${THEME}"

for tool in tmux python3; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (apt-get install -y tmux python3-venv)" >&2; exit 1; }
done
FONT_DIR=/usr/share/fonts/truetype/dejavu
[ -f "$FONT_DIR/DejaVuSansMono.ttf" ] || { echo "screenshots: DejaVu Sans Mono is missing (apt-get install -y fonts-dejavu-core)" >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import PIL' 2>/dev/null || "$VENV/bin/pip" install --quiet Pillow

cargo build --quiet
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT

theme_flag=""
[ -n "$THEME" ] && theme_flag="--theme $THEME"
# The upgrade and rollback wizards need helm: the one the tests use (fetched and cached by
# scripts/fetch-tools.sh, which prints its folder).
# As in test.sh: unreachable (exit 3) only warns; any other failure stops.
if [ -z "${STRATA_HELM:-}" ]; then
    rc=0
    tools_dir="$(bash scripts/fetch-tools.sh)" || rc=$?
    case "$rc" in
    0) STRATA_HELM="$tools_dir/helm" ;;
    3)
        echo "screenshots: WARNING: helm unavailable; the Helm wizard screens will show that error" >&2
        STRATA_HELM=helm
        ;;
    *)
        echo "screenshots: scripts/fetch-tools.sh failed (exit $rc)" >&2
        exit "$rc"
        ;;
    esac
fi
HELM_BIN="$STRATA_HELM"
tmux new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" \
    "env -u NO_COLOR HOME=$WORK/home STRATA_HELM=$HELM_BIN TERM=xterm-256color COLORTERM= ./target/debug/strata demo $theme_flag"

# Waits until the screen shows $1 (up to 20 s), so captures never catch a half-loaded view.
wait_for() {
    for _ in $(seq 1 80); do
        if tmux capture-pane -t "$SESSION" -p | grep -q -- "$1"; then
            sleep 0.5
            return 0
        fi
        sleep 0.25
    done
    echo "screenshots: gave up waiting for '$1'; capturing what is there" >&2
}

# shot NAME: the current screen, as ANSI text then PNG.
shot() {
    tmux capture-pane -t "$SESSION" -e -p > "$WORK/$1.ansi"
    SHOT_BACKGROUND="$([ "$THEME" = light ] && echo light || echo dark)" \
        "$VENV/bin/python" "$WORK/ansi2png.py" "$WORK/$1.ansi" "$OUT/$1$suffix.png" "$COLS" "$ROWS"
    echo "$OUT/$1$suffix.png"
}

keys() {
    tmux send-keys -t "$SESSION" "$@"
    sleep 0.6
}

cat > "$WORK/ansi2png.py" <<'PY'
"""Paints a tmux `capture-pane -e` dump (text + SGR codes) as a PNG, cell by cell."""
import os
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

src, dst, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 16
fonts = {
    (False, False): ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE),
    (True, False): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE),
    (False, True): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Oblique.ttf", SIZE),
    (True, True): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-BoldOblique.ttf", SIZE),
}
# Symbols the monospace face lacks (⚠ …) come from DejaVu Sans.
fallback = ImageFont.truetype(FONT_DIR + "DejaVuSans.ttf", SIZE)
CW = round(fonts[(False, False)].getlength("M"))
CH = round(SIZE * 1.3)
PAD = 12

# A dark terminal's 16 colours (the xterm palette softened, as most themes do).
ANSI = [
    (0x1d, 0x1f, 0x21), (0xcc, 0x44, 0x44), (0x5f, 0xb3, 0x5f), (0xd7, 0xaf, 0x3f),
    (0x4f, 0x8f, 0xd7), (0xaf, 0x6f, 0xc7), (0x3f, 0xb7, 0xb7), (0xc5, 0xc8, 0xc6),
    (0x6c, 0x70, 0x76), (0xff, 0x66, 0x66), (0x87, 0xd7, 0x87), (0xff, 0xd7, 0x5f),
    (0x87, 0xaf, 0xff), (0xd7, 0x87, 0xff), (0x5f, 0xd7, 0xd7), (0xff, 0xff, 0xff),
]
BG, FG = (0x16, 0x18, 0x1c), (0xd0, 0xd0, 0xd0)
if os.environ.get("SHOT_BACKGROUND") == "light":
    # The light theme is meant for a light terminal; paint it on one.
    BG, FG = (0xfa, 0xfa, 0xf7), (0x1c, 0x1c, 0x1c)


def palette(n):
    if n < 16:
        return ANSI[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def blend(a, b, t):
    return tuple(round(x * (1 - t) + y * t) for x, y in zip(a, b))


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = palette(c - 30)
            elif 90 <= c <= 97:
                self.fg = palette(c - 90 + 8)
            elif 40 <= c <= 47:
                self.bg = palette(c - 40)
            elif 100 <= c <= 107:
                self.bg = palette(c - 100 + 8)
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = palette(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def colours(self):
        fg, bg = self.fg or FG, self.bg or BG
        if self.reverse:
            fg, bg = bg, fg
        if self.dim:
            fg = blend(fg, bg, 0.45)
        return fg, bg


# (left, right, up, down) arms of the box-drawing characters ratatui uses.
BOX = {
    "─": (1, 1, 0, 0), "│": (0, 0, 1, 1), "┌": (0, 1, 0, 1), "┐": (1, 0, 0, 1),
    "└": (0, 1, 1, 0), "┘": (1, 0, 1, 0), "├": (0, 1, 1, 1), "┤": (1, 0, 1, 1),
    "┬": (1, 1, 0, 1), "┴": (1, 1, 1, 0), "┼": (1, 1, 1, 1), "╭": (0, 1, 0, 1),
    "╮": (1, 0, 0, 1), "╰": (0, 1, 1, 0), "╯": (1, 0, 1, 0),
}

img = Image.new("RGB", (cols * CW + 2 * PAD, rows * CH + 2 * PAD), BG)
draw = ImageDraw.Draw(img)
pen = Pen()
token = re.compile(r"\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|(.)", re.S)
with open(src, encoding="utf-8", errors="replace") as f:
    lines = f.read().split("\n")
for y, line in enumerate(lines[:rows]):
    x = 0
    for m in token.finditer(line):
        if m.group(1) is not None:
            pen.apply(m.group(1))
            continue
        ch = m.group(2)
        if ch is None or x >= cols:
            continue
        wide = unicodedata.east_asian_width(ch) in "WF"
        w = 2 if wide else 1
        fg, bg = pen.colours()
        left, top = PAD + x * CW, PAD + y * CH
        draw.rectangle([left, top, left + w * CW - 1, top + CH - 1], fill=bg)
        if ch in BOX:
            # Box lines are drawn, not typed, so borders join across the taller rows.
            cx, cy = left + CW // 2, top + CH // 2
            l, r, u, d = BOX[ch]
            if l:
                draw.line([left, cy, cx, cy], fill=fg)
            if r:
                draw.line([cx, cy, left + CW - 1, cy], fill=fg)
            if u:
                draw.line([cx, top, cx, cy], fill=fg)
            if d:
                draw.line([cx, cy, cx, top + CH - 1], fill=fg)
        elif ch != " ":
            font = fonts[(pen.bold, pen.italic)]
            if not font.getmask(ch).getbbox() and ch.strip():
                font = fallback
            draw.text((left, top + (CH - SIZE) // 2 - 1), ch, font=font, fill=fg)
        if pen.underline:
            draw.line([left, top + CH - 2, left + w * CW - 1, top + CH - 2], fill=fg)
        x += w
    # The rest of the row keeps the background of the last cell (as a terminal does with
    # erase-to-end-of-line).
img.save(dst)
PY

# Home: the data-stack layers with the selected component's health reasons.
wait_for "Platform"
sleep 1
shot home

keys "?"
shot help
keys Escape

# The security posture: every finding worst first, the selected one's fix below.
keys ":"
keys "security" Enter
wait_for "SEVERITY"
shot security
keys Escape

# The incident screen: what is broken, each with the change before it, and the timeline.
keys "I"
wait_for "CHANGES"
shot incident
keys Escape

keys ":"
keys "pods" Enter
wait_for "live"
shot pods

# Describe and YAML of the crash-looping Dagster pod, found through the filter.
keys "/"
keys "user-code" Enter
keys "d"
shot describe
keys Escape
keys "y"
shot yaml
keys Escape
keys Escape

keys ":"
keys "deploy" Enter
shot deployments
keys Escape

# Runs, and the logs of the failed Airflow task try (`:runs airflow retrying`, enter).
keys ":"
keys "runs" Enter
wait_for "failed"
shot runs
keys ":"
keys "runs airflow retrying" Enter
wait_for "retrying"
keys Enter
wait_for "try 1 failed"
shot logs
keys Escape
keys Escape

# A dbt run started by hand: the CronJob's command, edited and checked in place.
keys ":"
keys "cj" Enter
wait_for "dbt-marts"
keys "/"
keys "dbt-marts" Enter
keys "t"
wait_for "dbt command"
keys " --full-refresh"
shot trigger
keys Escape
keys Escape
keys Escape

# Airflow through its API: the DAGs with their last runs, then a run's task tries.
keys ":"
keys "airflow" Enter
wait_for "customer_360"
sleep 1
shot airflow
keys "j"
keys Enter
wait_for "scheduled__"
keys Enter
wait_for "TRY"
shot airflow-tasks
keys Escape
keys Escape
keys Escape

# Helm: the releases from their Secrets, then what superset's failed upgrade changed.
keys ":"
keys "helm" Enter
wait_for "warehouse/trino"
shot helm
# The rollback wizard's plan and question (cancelled: the screenshots change nothing).
keys "r"
wait_for "run it?"
shot helm-rollback
keys Escape
keys Enter
wait_for "superseded"
keys "D"
wait_for "changed"
shot helm-diff
keys Escape
keys Escape
keys Escape

# Airbyte through its API: the connections and their last sync.
keys ":"
keys "airbyte" Enter
wait_for "Stripe"
sleep 1
shot airbyte
keys Escape

# The upgrade wizard on superset, to the demo's next chart: the values, the plan with its
# per-object diff and checks, then the upgrade watched to its end (last: it changes the demo).
keys ":"
keys "helm" Enter
wait_for "warehouse/trino"
keys "U"
wait_for "Which chart"
keys Enter
wait_for "Which values"
shot helm-upgrade-values
keys Enter
wait_for "run it?"
shot helm-upgrade
keys "y" Enter
wait_for "verified"
sleep 1
shot helm-upgrade-done
keys Escape
keys Escape

keys "q"
