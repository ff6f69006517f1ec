#!/usr/bin/env bash
# Load figures for `interp serve` (issue 14): Debian's wrk on loopback, 30 s per case at a constant offered rate
# (default 200 requests/s) against the feature page and a filtered search. Debian's wrk has no constant-rate mode (that
# is wrk2), so scripts/load/paced.lua paces it: one connection per wrk thread, each on a fixed send schedule, latency
# measured from each request's SCHEDULED send time (no coordinated omission). Cases (paths: scripts/load/paths.py):
#   feature-one      /features/toy/5 only (one popular page)
#   feature-all      all 1024 toy features, shuffled: each first visit renders (~1 request in 6), later ones hit the cache
#   feature-nocache  as feature-all with the rendered-page cache off (Pages.cache_mb 0): every request renders
#   search-distinct  /api/search with a different text on every request (the query-embedding cache never hits) and
#                    varied filters (min_score, top): the search goal is judged on this one
#   search-mix       500 distinct texts drawn Zipf(1.1): popular queries repeat, as a search box's traffic does
# Each case gives offered and achieved rate, p50/p90/p99/max from schedule, service time, errors (HTTP >= 400, socket
# errors, timeouts over 5 s) and the server's RSS at the start and end (sampled every second). The measurements hold
# /tmp/interp-bench.lock (flock) and record `uptime` before and after each case.
# Usage: scripts/load-serve.sh [OUT_DIR]   (needs a Release build of src/Interp.Host; Debian's wrk and python3)
# Environment: RATE (200), DURATION (30s), THREADS (16 = connections), CASES (space-separated subset of the five).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/load}
mkdir -p "$out"
RATE=${RATE:-200}; DURATION=${DURATION:-30s}; THREADS=${THREADS:-16}
CASES=${CASES:-"feature-one feature-all feature-nocache search-distinct search-mix"}
work=$(mktemp -d /tmp/interp-load.XXXXXX)
port=5089
dll=src/Interp.Host/bin/Release/net10.0/interp.dll
export INTERP_LOAD_ADMIN_KEY=load-admin-key-0123456789
pid=
start_server() {   # $1: the config file
  dotnet "$dll" serve --config "$1" --urls "http://127.0.0.1:$port" 2>>"$work/serve.log" &
  pid=$!
  for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not answer /healthz; see $work/serve.log" >&2; exit 1
}
stop_server() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; pid=; }
trap stop_server EXIT
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]; root = os.getcwd()
c = json.load(open("appsettings.json"))
c["Llm"]["store_path"] = f"{w}/llm.db"
c["Index"]["embedded"]["path"] = f"{w}/index.db"
c["Models"] = {"toy-small": {"path": f"{root}/evals/models/toy-small"}}
c["Saes"] = {"toy": {"path": f"{root}/evals/saes/toy-small-resid2-topk", "model": "toy-small", "cache": f"{w}/toy.cache.db"}}
c["Worker"].update({"sqlite_path": f"{w}/jobs.db", "data_dir": w})
c["Schedules"] = {"enabled": False, "suites": []}
c["Auth"] = {"keys": [{"name": "load", "scope": "admin", "key_env": "INTERP_LOAD_ADMIN_KEY", "requests_per_minute": 1000000}],
             "anonymous_read": True, "anonymous_requests_per_minute": 1000000, "max_body_bytes": 1048576}
json.dump(c, open(f"{w}/appsettings.json", "w"), indent=1)
ids = [x for row in json.load(open(f"{root}/evals/data/toy/heldout-seed2-ids-64x512.json")) for x in row]
json.dump([ids], open(f"{w}/ids.json", "w"))
c["Pages"] = {"cache_mb": 0}        # the same server with the rendered-page cache off, for feature-nocache
json.dump(c, open(f"{w}/appsettings-nocache.json", "w"), indent=1)
PY
start_server "$work/appsettings.json"
H="X-Api-Key: $INTERP_LOAD_ADMIN_KEY"
job() { curl -sf -H "$H" -H 'Content-Type: application/json' -d "$1" "http://127.0.0.1:$port/api/jobs" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])'; }
wait_job() { for i in $(seq 1 600); do s=$(curl -sf "http://127.0.0.1:$port/api/jobs/$1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["state"])'); [ "$s" = succeeded ] && return 0; [ "$s" = failed ] && { echo "job $1 failed" >&2; exit 1; }; sleep 0.5; done; exit 1; }
wait_job "$(job "{\"kind\":\"cache_build\",\"args\":{\"sae\":\"toy\",\"ids\":\"$work/ids.json\",\"context\":64,\"batch\":16}}")"
# one offline-style record per feature (test records: varied texts so the search has work to do)
python3 - "$work" "$PWD" <<'PY'
import json, sys, hashlib
w, root = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
for f in ["cfg.json", "sae_weights.safetensors"]:
    b = open(f"{root}/evals/saes/toy-small-resid2-topk/{f}", "rb").read()
    h.update(f"{f}:{len(b)}:".encode()); h.update(b)
sae = {"id": h.hexdigest(), "name": "toy-small-resid2-topk", "hook_name": "blocks.2.hook_resid_post", "layer": 2, "d_in": 128, "d_sae": 1024, "architecture": "topk"}
topics = ["names of people", "numbers and counting", "colours of things", "places and cities", "animals in the farm", "weather and rain", "food and cooking", "days of the week"]
with open(f"{w}/records.jsonl", "w") as f:
    for i in range(1024):
        r = {"schema_version": 1, "sae": sae, "model": {"id": "m", "name": "toy-small", "architecture": "gpt2"}, "feature": i,
             "explanations": [{"text": f"{topics[i % 8]} {i}", "explainer": "offline", "llm_model": None, "prompt_version": None, "cluster": None, "examples": []}],
             "scores": [{"method": "simulation", "capability": "load-test", "value": (i % 100) / 100, "ci_low": 0, "ci_high": 1, "explanation_index": 0, "metrics": {}, "examples": [], "llm_model": None, "prompt_version": None}],
             "provenance": {"run_id": "load", "created_at": "2026-12-01T00:00:00Z", "interp_version": "load"}}
        f.write(json.dumps(r) + "\n")
PY
wait_job "$(job "{\"kind\":\"index\",\"args\":{\"records\":\"$work/records.jsonl\"}}")"
python3 scripts/load/paths.py "$work"
warm() {   # compile the routes (the host runs without tiered JIT) with requests the cases never send
  for i in $(seq 1 30); do
    curl -sf "http://127.0.0.1:$port/features/toy/$((1000 + i % 20))" >/dev/null
    curl -sf "http://127.0.0.1:$port/api/search?text=warm%20up%20query%20$i&sae=toy&min_score=0.2&top=10" >/dev/null
  done
}
exec 9>/tmp/interp-bench.lock
flock 9                     # one measurement at a time on this machine
echo "load $(date -u +%FT%TZ): rate $RATE/s, $DURATION per case, $THREADS connections, $(nproc) cores" | tee -a "$out/summary.txt"
warm
for case in $CASES; do
  if [ "$case" = feature-nocache ]; then stop_server; start_server "$work/appsettings-nocache.json"; warm; fi
  echo "== $case; uptime before: $(uptime)" | tee -a "$out/summary.txt"
  ( while kill -0 "$pid" 2>/dev/null; do echo "$(date +%s) $(ps -o rss= -p "$pid")"; sleep 1; done ) > "$out/$case.rss" 2>/dev/null &
  sampler=$!
  RATE=$RATE THREADS=$THREADS PATHS="$work/$case.txt" SUMMARY="$out/$case.summary" \
    wrk -t"$THREADS" -c"$THREADS" -d"$DURATION" --timeout 5s -s scripts/load/paced.lua "http://127.0.0.1:$port" > "$out/$case.wrk"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  kb() { awk '{print $2}' "$out/$case.rss" | sed -n "$1"; }
  echo "$case: $(tr -d '\n' < "$out/$case.summary") rss_start_mb=$(( $(kb 1p) / 1024 )) rss_end_mb=$(( $(kb '$p') / 1024 )) rss_max_mb=$(( $(awk '{print $2}' "$out/$case.rss" | sort -n | tail -1) / 1024 ))" | tee -a "$out/summary.txt"
  echo "   uptime after: $(uptime)" | tee -a "$out/summary.txt"
  if [ "$case" = feature-nocache ]; then stop_server; start_server "$work/appsettings.json"; warm; fi
done
flock -u 9
echo "figures: $out/summary.txt (per case: .wrk, .summary, .rss); server log: $work/serve.log"
