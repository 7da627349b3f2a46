#!/usr/bin/env bash
# GPU check for carbond's job protocol (issue 5), for a machine with an NVIDIA GPU.
#
# Runs examples/python/gpu_check_job.py (PyTorch, under the protocol) on the GPU and
# records `nvidia-smi` every second through these phases, all into one folder:
#   idle-before (5 s) → warmup → training (30 s) → stopped (SIGSTOP, 20 s) →
#   continued (5 s) → checkpointing (SIGTERM until exit) → after-exit (20 s) →
#   resumed (from the checkpoint, 15 s) → checkpointing-2 → done
# Output (${OUT:-./gpu-check-out}): power.csv (every sample, with its phase), phases.csv,
# checkpoint_times.csv (written by the job), events.jsonl, job logs, summary.txt.
# Total well under 5 minutes. Exit: 0 ok, 2 no GPU / no torch, 1 a step failed.
#
# Usage: scripts/gpu-check.sh            (OUT=/path scripts/gpu-check.sh to choose the folder)
#        PYTHON=/path/to/python3 scripts/gpu-check.sh   (the interpreter that has torch)
#        GPU_CHECK_ARGS="--width 8192" scripts/gpu-check.sh   (bigger model)
set -euo pipefail

OUT="${OUT:-./gpu-check-out}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOB_PY="$REPO/examples/python/gpu_check_job.py"
QUERY="index,name,power.draw,power.limit,utilization.gpu,memory.used"
PYTHON="${PYTHON:-python3}"
SCRIPT_START=$(date +%s)
DEADLINE=$((SCRIPT_START + 285))   # hard stop before 5 minutes
# Phase lengths in seconds (overridable, e.g. for a dry run with a stand-in job).
T_IDLE="${T_IDLE:-5}"; T_TRAIN="${T_TRAIN:-30}"; T_STOP="${T_STOP:-20}"; T_CONT="${T_CONT:-5}"
T_AFTER="${T_AFTER:-20}"; T_RESUMED="${T_RESUMED:-10}"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
CK="$OUT/checkpoints"; EVENTS="$OUT/events.jsonl"; PHASE_FILE="$OUT/.phase"
rm -rf "$CK" "$EVENTS" "$OUT/power.csv" "$OUT/phases.csv" "$OUT/checkpoint_times.csv"
mkdir -p "$CK"

SAMPLER_PID=""; JOB_PID=""
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/gpu-check.log" >&2; }
die() { log "ERROR: $*"; exit "${2:-1}"; }

cleanup() {
  local rc=$?
  if [[ -n "$JOB_PID" ]] && kill -0 "$JOB_PID" 2>/dev/null; then
    kill -CONT -- "-$JOB_PID" 2>/dev/null || true
    kill -KILL -- "-$JOB_PID" 2>/dev/null || true
  fi
  if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; fi
  rm -f "$PHASE_FILE"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
phase() { echo "$1" >"$PHASE_FILE"; echo "$(now),$1" >>"$OUT/phases.csv"; log "phase: $1"; }
time_left() { (( $(date +%s) < DEADLINE )) || die "over the 5-minute budget"; }

# --- preconditions ---------------------------------------------------------------
command -v nvidia-smi >/dev/null || die "nvidia-smi not found: this check needs an NVIDIA GPU and driver" 2
timeout 20 nvidia-smi --query-gpu=index,name,driver_version,power.limit,memory.total --format=csv >"$OUT/gpu.csv" \
  || die "nvidia-smi failed (no GPU visible?)" 2
log "GPU: $(tail -n +2 "$OUT/gpu.csv" | head -1)"
if ! timeout 120 "$PYTHON" -c 'import torch' 2>/dev/null; then
  log "torch is missing: trying pip install torch (from the configured package index)"
  timeout 240 "$PYTHON" -m pip install --quiet torch >>"$OUT/pip.log" 2>&1 \
    || die "PyTorch is not installed and 'pip install torch' failed (see $OUT/pip.log); install torch with CUDA and rerun" 2
fi
timeout 120 "$PYTHON" -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || die "torch is installed but torch.cuda.is_available() is False (CPU-only wheel or driver mismatch)" 2
"$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' >"$OUT/torch.txt"
log "$(cat "$OUT/torch.txt")"

# --- power sampler: one nvidia-smi line per GPU per second, tagged with the phase --------
echo "time,phase,index,name,power_draw_w,power_limit_w,utilization_gpu_pct,memory_used_mib" >"$OUT/power.csv"
echo "time,phase" >"$OUT/phases.csv"
phase idle-before
(
  while :; do
    t=$(now); p=$(cat "$PHASE_FILE" 2>/dev/null || echo unknown)
    timeout 5 nvidia-smi --query-gpu="$QUERY" --format=csv,noheader,nounits 2>/dev/null \
      | sed "s/^/$t,$p,/; s/, /,/g" >>"$OUT/power.csv" || true
    sleep 1
  done
) &
SAMPLER_PID=$!
sleep "$T_IDLE"

# --- helpers for the job ---------------------------------------------------------------
start_job() { # $1 = log name, $2 = resume path or ""
  local env_resume=()
  if [[ -n "$2" ]]; then env_resume=(CARBOND_RESUME_FROM="$2"); fi
  env CARBOND_JOB_ID=gpu-check CARBOND_CHECKPOINT_DIR="$CK" CARBOND_EVENTS="$EVENTS" ${env_resume[@]+"${env_resume[@]}"} \
    setsid "$PYTHON" "$JOB_PY" --timings "$OUT/checkpoint_times.csv" ${GPU_CHECK_ARGS:-} \
    >"$OUT/$1.stdout.log" 2>"$OUT/$1.stderr.log" &
  JOB_PID=$!
}
last_step() { grep -o '"event":"progress","step":[0-9]*' "$EVENTS" 2>/dev/null | tail -1 | grep -o '[0-9]*$' || echo 0; }
events_count() { wc -l <"$EVENTS" 2>/dev/null || echo 0; }
wait_progress_after() { # $1 = minimum step, $2 = timeout s
  local until=$(( $(date +%s) + $2 ))
  while (( $(last_step) < $1 )); do
    kill -0 "$JOB_PID" 2>/dev/null || die "the job exited early (see $OUT/*.stderr.log)"
    (( $(date +%s) < until )) || die "no progress to step $1 within $2 s"
    sleep 0.5
  done
}
pause_job() { # SIGTERM, wait up to 90 s for the exit; sets PAUSE_S and PAUSE_RC (runs in this shell: it waits)
  local t0 t1 waited=0
  PAUSE_RC=0
  t0=$(now)
  kill -TERM "$JOB_PID"
  while kill -0 "$JOB_PID" 2>/dev/null && (( waited < 900 )); do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$JOB_PID" 2>/dev/null; then kill -KILL -- "-$JOB_PID" 2>/dev/null || true; log "job ignored SIGTERM for 90 s: killed"; fi
  wait "$JOB_PID" || PAUSE_RC=$?
  t1=$(now)
  JOB_PID=""
  PAUSE_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# --- the check --------------------------------------------------------------------------
phase warmup
start_job run1 ""
wait_progress_after 20 150
time_left
phase training; sleep "$T_TRAIN"; time_left
phase stopped; kill -STOP -- "-$JOB_PID"; sleep "$T_STOP"
kill -CONT -- "-$JOB_PID"; phase continued; sleep "$T_CONT"; time_left
phase checkpointing
pause_job; PAUSE1_S=$PAUSE_S; PAUSE1_RC=$PAUSE_RC
log "pause 1: SIGTERM → exit in ${PAUSE1_S}s, exit code $PAUSE1_RC"
phase after-exit; sleep "$T_AFTER"; time_left

CK_PATH=$(grep -o '"event":"checkpoint","path":"[^"]*"' "$EVENTS" | tail -1 | sed 's/.*"path":"//; s/"$//')
[[ -n "$CK_PATH" && -f "$CK_PATH/manifest.json" ]] || die "no checkpoint event with a manifest after the pause"
STEP1=$(grep -o '"event":"checkpoint","path":"[^"]*","step":[0-9]*' "$EVENTS" | tail -1 | grep -o '[0-9]*$')
phase resumed
start_job run2 "$CK_PATH"
wait_progress_after $((STEP1 + 10)) 120
sleep "$T_RESUMED"; time_left
phase checkpointing-2
pause_job; PAUSE2_S=$PAUSE_S; PAUSE2_RC=$PAUSE_RC
log "pause 2: SIGTERM → exit in ${PAUSE2_S}s, exit code $PAUSE2_RC"
phase done; sleep 2

VERIFY="(not run: node or dist/ missing)"
if command -v node >/dev/null && [[ -f "$REPO/dist/checkpoints/fs-store.js" ]]; then
  VERIFY=$(timeout 120 node -e '
    const { createFsCheckpointStore } = require(process.argv[1]);
    createFsCheckpointStore({ root: process.argv[2] }).latestVerified().then((r) => console.log(JSON.stringify({ step: r.checkpoint && r.checkpoint.step, bytes: r.checkpoint && r.checkpoint.bytes, failures: r.failures.map((f) => f.reason) })));
  ' "$REPO/dist/checkpoints/fs-store.js" "$CK" 2>&1) || VERIFY="verify failed: $VERIFY"
fi

# --- summary ------------------------------------------------------------------------------
{
  echo "carbond GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(cat "$OUT/torch.txt")"
  echo
  echo "mean power per phase (all GPUs listed separately):"
  awk -F, 'NR > 1 && $5 != "" { k = $2 " gpu" $3; n[k]++; s[k] += $5; u[k] += $7; if (!(k in o)) { o[k] = ++c; key[c] = k } }
           END { printf "%-28s %8s %10s %8s\n", "phase", "samples", "power_W", "util_%"; for (i = 1; i <= c; i++) { k = key[i]; printf "%-28s %8d %10.1f %8.1f\n", k, n[k], s[k] / n[k], u[k] / n[k] } }' "$OUT/power.csv"
  echo
  echo "pause 1 (after SIGSTOP/SIGCONT): SIGTERM → checkpoint → exit ${PAUSE1_S}s (exit code $PAUSE1_RC), checkpoint step $STEP1"
  echo "pause 2 (after resume):          SIGTERM → checkpoint → exit ${PAUSE2_S}s (exit code $PAUSE2_RC)"
  echo "checkpoint timings (step,save_ms,fsync_ms,hash_ms,rename_ms,bytes):"
  sed 's/^/  /' "$OUT/checkpoint_times.csv" 2>/dev/null || echo "  (none)"
  echo "latest verified checkpoint by carbond's store: $VERIFY"
  echo "total time: $(( $(date +%s) - SCRIPT_START )) s"
} | tee "$OUT/summary.txt"
