#!/usr/bin/env bash
# Weight tying (--tie-embeddings) against a separate output layer, at equal compute: the same data (the first 20,000
# Annals lines, syllables), seed, network size and steps; the output product (units x vocabulary) is the same size in
# both, so a step costs the same and only the parameter count differs. Each model is scored on its 5% validation tail
# as one stream per row with the state carried (evaluate --split validation).
# Usage (from the repository root): HANGUL_RNN_CORPORA=../shared/corpora bash benchmarks/compare_tying.sh [OUT.tsv]
set -euo pipefail
out=${1:-compare_tying.tsv}
export HANGUL_RNN_HOME=${HANGUL_RNN_HOME:-$(mktemp -d)}
mkdir -p "$HANGUL_RNN_HOME"
cli=(python -m hangul_rnn.cli)
common=(--corpus annals --level syllable --limit 20000 --units 256 --embedding-dim 256 --layers 1 --seq-len 100
        --batch-size 64 --lr 2e-3 --patience 0 --sample-chars 0 --epochs 3 --steps-per-epoch 200 --seed 1)
declare -A runs=([untied]="--no-tie-embeddings" [tied]="--tie-embeddings")
printf "run\tparameters\tbits_per_cleaned_char\tbits_per_raw_char\tcpu_seconds\twall_seconds\n" > "$out"
for name in untied tied; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %S %e" -o "$HANGUL_RNN_HOME/time.txt" \
    "${cli[@]}" train generator "${common[@]}" ${runs[$name]} --name "tie-$name" > "$HANGUL_RNN_HOME/$name.log" 2>&1
  read -r user sys wall < "$HANGUL_RNN_HOME/time.txt"
  "${cli[@]}" evaluate "tie-$name" --split validation --json 2>/dev/null > "$HANGUL_RNN_HOME/$name.json"
  params=$(grep -o '[0-9,]* parameters' "$HANGUL_RNN_HOME/$name.log" | head -1 | tr -d ', parameters')
  python - "$HANGUL_RNN_HOME/$name.json" "$name" "$params" "$user" "$sys" "$wall" >> "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{r['bits_per_char']:.3f}\t{r['bits_per_raw_char']:.3f}\t"
      f"{float(sys.argv[4]) + float(sys.argv[5]):.0f}\t{float(sys.argv[6]):.0f}")
PY
  tail -1 "$out"
done
