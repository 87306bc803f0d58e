#!/usr/bin/env bash
# Rebuild knowledge/contoh.yaml as it is on main (session 6): the writers' parts (kept
# outside the repository, in $PARTS: part-a..o.yaml of the first rounds, train3/<a-f>/ and
# train4/<g-l>/ of session 6, train4's out-of-scope questions with the topics
# scripts/label_oos_topics.py gave them), the out-of-scope tuning questions with their
# topics (tests/data/oos-topics/), and the in-scope questions of the tuning sets; every
# other evaluation set excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-/work/sets}
TUNING=(real_tuning real_tuning2 real_tuning3 real_tuning6 real_tuning7 tuning tuning2 tuning3)
args=("$PARTS"/train/part-[a-o].yaml)
for x in a b c d e f; do args+=(--main-first "$PARTS/train3/$x/questions.yaml"); done
for x in g h i j k l; do args+=(--main-first "$PARTS/train4/$x/questions.yaml"); done
for x in g h i j k l; do args+=(--main-first "$PARTS/train4/$x/oos-topics.yaml"); done
for n in "${TUNING[@]}"; do args+=(--main-first "tests/data/oos-topics/$n.yaml"); done
for n in "${TUNING[@]}"; do args+=(--tuning "tests/data/$n.yaml"); done
for f in tests/data/*.yaml ../shared/eval/dev.yaml; do
  name=$(basename "$f" .yaml)
  [[ " ${TUNING[*]} " == *" $name "* ]] || args+=(--exclude "$f")
done
exec python scripts/build_contoh.py "${args[@]}"
