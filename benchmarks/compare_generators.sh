#!/usr/bin/env bash
# Generator options compared on the shipped annals-jamo's data (the first 25,000 Annals lines, the same 5% tail held
# out), at about equal compute: each run's steps are sized by its measured cost per step (a jamo step reads 100 jamo,
# about 51 characters; a syllable step 100 characters), and its CPU seconds are printed beside the result. Each model
# is scored on its validation tail as one stream per row with the state carried (evaluate --split validation).
# Usage: HANGUL_RNN_CORPORA=../shared/corpora bash benchmarks/compare_generators.sh [OUT.tsv]
set -euo pipefail
out=${1:-compare_generators.tsv}
export HANGUL_RNN_HOME=${HANGUL_RNN_HOME:-$(mktemp -d)}
mkdir -p "$HANGUL_RNN_HOME"
common=(--corpus annals --limit 25000 --units 512 --layers 1 --seq-len 100 --batch-size 64 --lr 2e-3
        --patience 0 --sample-chars 0 --epochs 2 --seed 1)
declare -A runs=(
  [jamo-windows]="--level jamo --embedding-dim 32 --steps-per-epoch 160 --no-stateful"
  [syllable-windows]="--level syllable --embedding-dim 64 --steps-per-epoch 200 --no-stateful"
  [syllable-stateful]="--level syllable --embedding-dim 64 --steps-per-epoch 200 --stateful"
  [syllable-stateful-cosine]="--level syllable --embedding-dim 64 --steps-per-epoch 200 --stateful --lr-schedule cosine"
  [syllable-stateful-noclip]="--level syllable --embedding-dim 64 --steps-per-epoch 200 --stateful --clipnorm 0"
)
printf "run\tbits_per_cleaned_char\tbits_per_raw_char\tcpu_seconds\twall_seconds\n" > "$out"
for name in jamo-windows syllable-windows syllable-stateful syllable-stateful-cosine syllable-stateful-noclip; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S %e" -o "$HANGUL_RNN_HOME/time.txt" \
    hangul-rnn train generator "${common[@]}" ${runs[$name]} --name "cmp-$name" > /dev/null 2>&1
  read -r user sys wall < "$HANGUL_RNN_HOME/time.txt"
  hangul-rnn evaluate "cmp-$name" --split validation --json 2>/dev/null > "$HANGUL_RNN_HOME/$name.json"
  python - "$HANGUL_RNN_HOME/$name.json" "$name" "$user" "$sys" "$wall" >> "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}\t{r['bits_per_char']:.3f}\t{r['bits_per_raw_char']:.3f}\t"
      f"{float(sys.argv[3]) + float(sys.argv[4]):.0f}\t{float(sys.argv[5]):.0f}")
PY
  tail -1 "$out"
done
