#!/usr/bin/env bash
# Rebuild knowledge/contoh.yaml as it is on main (session 7): the writers' parts (kept
# outside the repository, in $PARTS: part-a..o.yaml of the first rounds, train3/<a-f>/ and
# train4/<g-l>/ of session 6, train5/<m-r>/ (mostly near misses out of scope) and
# train6/<s-x>/ of session 7; the out-of-scope questions of train4-6 with the topics
# scripts/label_oos_topics.py gave them, oos-topics.yaml beside each), the out-of-scope
# tuning questions with their topics (tests/data/oos-topics/), and the in-scope questions
# of the tuning sets; every other evaluation set excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-/work/sets}
TUNING=(real_tuning real_tuning2 real_tuning3 real_tuning6 real_tuning7 tuning tuning2 tuning3)
args=("$PARTS"/train/part-[a-o].yaml)
for x in a b c d e f; do args+=(--main-first "$PARTS/train3/$x/questions.yaml"); done
ROUNDS=(train4/{g,h,i,j,k,l} train5/{m,n,o,p,q,r} train6/{s,t,u,v,w,x})
for d in "${ROUNDS[@]}"; do args+=(--main-first "$PARTS/$d/questions.yaml"); done
for d in "${ROUNDS[@]}"; do args+=(--main-first "$PARTS/$d/oos-topics.yaml"); done
for n in "${TUNING[@]}"; do args+=(--main-first "tests/data/oos-topics/$n.yaml"); done
for n in "${TUNING[@]}"; do args+=(--tuning "tests/data/$n.yaml"); done
for f in tests/data/*.yaml ../shared/eval/dev.yaml; do
  name=$(basename "$f" .yaml)
  [[ " ${TUNING[*]} " == *" $name "* ]] || args+=(--exclude "$f")
done
exec python scripts/build_contoh.py "${args[@]}" "$@"
