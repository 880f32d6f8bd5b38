#!/usr/bin/env bash
# Scale benchmark: collects a simulated week of a million HTTP status logs,
# served as 1M, 10M and 100M, with --evidence full and report, with and
# without the simulator's latency model, and prints wall time, mine's CPU,
# bytes received, jobs, mine's peak RSS and whether the analysis agrees
# with the full pull (docs/scale.md). It takes long (the 10M full pull
# alone moves about 30 GB over loopback): it never runs in CI.
#
#   scripts/bench-scale.sh                  # 1M,10M,100M
#   SCALES=1M STEPS=full,report scripts/bench-scale.sh
#   BASELINE=d5b4416 scripts/bench-scale.sh # also measure that commit's full pull
#   BASELINE=d5b4416 PAIRS=5 SCALES=1M STEPS=full,base scripts/bench-scale.sh  # the CPU ratio over 5 pairs
#   OUT=docs/scale.md scripts/bench-scale.sh  # append the figures there
#   STEPS=jobs JOBS_FULL_SINCE=7d scripts/bench-scale.sh  # the jobs step's full pulls over a week
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mine" ./cmd/mine
base_args=()
if [ -n "${BASELINE:-}" ]; then
	mkdir "$tmp/baseline"
	git archive "$BASELINE" | tar -x -C "$tmp/baseline"
	(cd "$tmp/baseline" && go build -o "$tmp/mine-baseline" ./cmd/mine)
	base_args=(-scale-baseline "$tmp/mine-baseline")
fi
out_args=()
if [ -n "${OUT:-}" ]; then
	out_args=(-scale-out "$(realpath "$OUT")")
fi
go test ./cmd/mine -run '^TestScaleBench$' -count=1 -timeout 4h -v -args \
	-scale "${SCALES:-1M,10M,100M}" -scale-steps "${STEPS:-all}" -scale-full-max "${FULL_MAX:-10M}" \
	-scale-jobs-full-since "${JOBS_FULL_SINCE:-1d}" -scale-pairs "${PAIRS:-1}" \
	-scale-mine "$tmp/mine" "${base_args[@]}" "${out_args[@]}"
