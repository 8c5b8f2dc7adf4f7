#!/usr/bin/env bash
# Stacked layers and dropout between them (--layers, --layer-dropout, --dropout) where they can matter on this CPU: a
# small text trained to its best validation epoch. The first 4,000 Annals lines (syllables, about 0.3M characters, 5%
# tail held out), LSTM 256, stateful streams, 15 passes; each run keeps its best epoch on the validation loss
# (--patience 3) and is scored on that tail as one stream per row with the state carried (evaluate --split
# validation), so every row is selected and scored on the same text: read the table as a comparison of options.
# Usage (from the repository root): HANGUL_RNN_CORPORA=../shared/corpora bash benchmarks/compare_depth.sh [OUT.tsv]
set -euo pipefail
out=${1:-compare_depth.tsv}
export HANGUL_RNN_HOME=${HANGUL_RNN_HOME:-$(mktemp -d)}
mkdir -p "$HANGUL_RNN_HOME"
cli=(python -m hangul_rnn.cli)
common=(--corpus annals --level syllable --limit 4000 --units 256 --embedding-dim 64 --seq-len 100 --batch-size 32
        --lr 2e-3 --patience 3 --sample-chars 0 --epochs 15 --stateful --seed 1)
declare -A runs=(
  [1-layer]="--layers 1"
  [1-layer-dropout]="--layers 1 --dropout 0.3"
  [2-layers]="--layers 2"
  [2-layers-dropout]="--layers 2 --layer-dropout 0.3"
  [3-layers-dropout]="--layers 3 --layer-dropout 0.3"
)
printf "run\tparameters\tbest_epoch\tbits_per_cleaned_char\tbits_per_raw_char\tcpu_seconds\twall_seconds\n" > "$out"
for name in 1-layer 1-layer-dropout 2-layers 2-layers-dropout 3-layers-dropout; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S %e" -o "$HANGUL_RNN_HOME/time.txt" \
    "${cli[@]}" train generator "${common[@]}" ${runs[$name]} --name "depth-$name" > "$HANGUL_RNN_HOME/$name.log" 2>&1
  read -r user sys wall < "$HANGUL_RNN_HOME/time.txt"
  "${cli[@]}" evaluate "depth-$name" --split validation --json 2>/dev/null > "$HANGUL_RNN_HOME/$name.json"
  params=$(grep -o '[0-9,]* parameters' "$HANGUL_RNN_HOME/$name.log" | head -1 | tr -d ', parameters')
  python - "$HANGUL_RNN_HOME/$name.json" "$name" "$params" "$user" "$sys" "$wall" \
      "$HANGUL_RNN_HOME/models/depth-$name/metrics.json" >> "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
best = json.load(open(sys.argv[7])).get("best_epoch", -1) + 1
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{best}\t{r['bits_per_char']:.3f}\t{r['bits_per_raw_char']:.3f}\t"
      f"{float(sys.argv[4]) + float(sys.argv[5]):.0f}\t{float(sys.argv[6]):.0f}")
PY
  tail -1 "$out"
done
