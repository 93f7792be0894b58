#!/usr/bin/env bash
# Runs the fuzz targets under AFL++ (cargo afl), each for SECONDS, one after
# the other, starting from fuzz/seeds/<target> and fuzz/corpus/<target>.
#   fuzz/run.sh SECONDS [TARGET...]      (all targets when none is named)
# A finding fails the run: its inputs are kept in fuzz/out/<target>/default/crashes
# (and hangs/), and the command to replay one is printed. For long runs give
# a large SECONDS, or run one target per core in parallel.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(frontmatter advisory releases site_toml version cvss markdown_html markdown_finder leak_scan check_site import_osv import_csaf import_cve)
fi
bin=target/release/disclose-fuzz
[ -x "$bin" ] || { echo "error: build first: (cd fuzz && cargo afl build --release --locked)" >&2; exit 2; }
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=20000
failed=0
mkdir -p out
for t in "${targets[@]}"; do
  in=$(mktemp -d)
  cp seeds/"$t"/* "$in"/ 2>/dev/null || true
  cp corpus/"$t"/* "$in"/ 2>/dev/null || true
  out=out/$t
  rm -rf "$out"
  echo "fuzz: $t for ${secs}s ($(ls "$in" | wc -l) inputs)"
  # -t: a case taking over 5 s (check_site writes a site) is a hang.
  cargo afl fuzz -V "$secs" -t 5000 -i "$in" -o "$out" -- "$bin" "$t" > "out/$t.log" 2>&1 || {
    echo "error: afl-fuzz failed on $t; see fuzz/out/$t.log" >&2; tail -20 "out/$t.log" >&2; failed=1; }
  rm -rf "$in"
  stats=$out/default/fuzzer_stats
  if [ -f "$stats" ]; then
    awk -v t="$t" '/^(run_time|execs_done|corpus_count|saved_crashes|saved_hangs) /{v[$1]=$3}
      END{printf "fuzz: %s: %s s, %s execs, %s in queue, %s crashes, %s hangs\n", t, v["run_time"], v["execs_done"], v["corpus_count"], v["saved_crashes"], v["saved_hangs"]}' "$stats"
  fi
  for kind in crashes hangs; do
    found=$(find "$out/default/$kind" -type f ! -name README.txt 2>/dev/null | head -5)
    if [ -n "$found" ]; then
      echo "error: $t: $kind found; replay with: fuzz/target/release/disclose-fuzz $t FILE" >&2
      echo "$found" | sed 's/^/  fuzz\//' >&2
      failed=1
    fi
  done
done
exit $failed
