#!/usr/bin/env bash
# Runs the built image the way Fargate runs it (read-only root filesystem, as uid 10001, with the
# task definition's mounts as fresh volumes, no extra privileges) and checks what the deployment
# relies on:
#   - the image's metadata: user 10001, port 8000, HEALTHCHECK on /healthz, tini as entrypoint;
#     every mount point of the task definition is a VOLUME of the image (Fargate makes any other
#     mount root-owned 0755, unwritable to the service), and SCRATCH_DIR lies on one of them;
#   - a backup and a restore through the HTTP API: their scratch Avro file goes to SCRATCH_DIR,
#     the backup to the object folder and the database in var/, all on those mounts;
#   - GET /healthz and /readyz answer 200 through the published port on 127.0.0.1, and the
#     image's own HEALTHCHECK passes inside the container (its loopback);
#   - PID 1 is tini, not a shell, and every process runs as uid 10001;
#   - with METRICS_EMF=1, any EMF line the service writes after a load names only metrics of
#     infrastructure/monitoring/emf-metrics.json (skipped while the service writes none);
#   - SIGTERM during an upload: the upload completes (201), then the service exits 0, well
#     within ECS's 30 s stop timeout.
# Usage: scripts/check-deploy/container-check.sh ENGINE IMAGE   (ENGINE: podman or docker)
set -euo pipefail

engine=$1
image=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=migration-api-check-$$
stop_limit=30

# A key the service accepts once API keys are enforced (issue 4), sent the two usual ways.
api_key=container-check-key
# The service is configured with name:sha256hex pairs, never with the key itself.
api_key_entry="container-check:$(printf '%s' "$api_key" | sha256sum | cut -d' ' -f1)"
auth=(-H "Authorization: Bearer $api_key" -H "X-API-Key: $api_key")

fail() {
  echo "container-check: FAIL: $*" >&2
  echo "--- container log (last 30 lines)" >&2
  "$engine" logs --tail 30 "$name" >&2 2>&1 || true
  exit 1
}
scratch=$(mktemp -d)
cleanup() {
  "$engine" rm -f -v "$name" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# ---- image metadata
inspect() { "$engine" image inspect --format "$1" "$image"; }
[[ $(inspect '{{.Config.User}}') == "10001:10001" ]] || fail "image user is '$(inspect '{{.Config.User}}')', not 10001:10001"
[[ $(inspect '{{json .Config.ExposedPorts}}') == *'"8000/tcp"'* ]] || fail "image does not expose 8000/tcp"
[[ $(inspect '{{json .Config.Healthcheck}}') == *'/healthz'* ]] || fail "image HEALTHCHECK does not probe /healthz"
entrypoint=$(inspect '{{json .Config.Entrypoint}}')
[[ $entrypoint == '["/usr/bin/tini-static","--",'* ]] || fail "entrypoint $entrypoint is not tini"
# The task definition's mounts and scratch folder, read from the CloudFormation template (the
# deploy checks hold Terraform's and the manifests' equal to it).
template=$repo/infrastructure/cloudformation/api-stack.yaml
mapfile -t mounts < <(sed -n 's/.*ContainerPath: *\([^,} ]*\).*/\1/p' "$template")
task_scratch=$(sed -n 's/.*{Name: SCRATCH_DIR, Value: *\([^,} ]*\)}.*/\1/p' "$template")
[[ ${#mounts[@]} -gt 0 && -n $task_scratch ]] || fail "no mount points or SCRATCH_DIR found in $template"
volumes=$(inspect '{{json .Config.Volumes}}')
for mount in "${mounts[@]}"; do
  [[ $volumes == *"\"$mount\""* ]] ||
    fail "the task mounts $mount but the image has no VOLUME there (image volumes: $volumes): Fargate mounts it root-owned 0755"
done
scratch_on_mount=""
for mount in "${mounts[@]}"; do [[ $task_scratch == "$mount" || $task_scratch == "$mount"/* ]] && scratch_on_mount=$mount; done
[[ -n $scratch_on_mount ]] || fail "SCRATCH_DIR=$task_scratch is on none of the task's mounts (${mounts[*]}): the root filesystem is read-only"
[[ $(inspect '{{json .Config.Env}}') == *"\"SCRATCH_DIR=$task_scratch\""* ]] ||
  fail "the image's SCRATCH_DIR differs from the task definition's ($task_scratch)"
echo "container-check: the task's mounts ${mounts[*]} are image VOLUMEs; SCRATCH_DIR=$task_scratch"
size=$(inspect '{{.Size}}')
echo "container-check: image $image: $((size / 1000000)) MB, user 10001, port 8000, entrypoint $entrypoint"

# ---- run it as Fargate does: read-only root, the task's user, each mount a fresh volume that
# takes the image folder's content, owner and mode (as Fargate does for a VOLUME path), and
# the task's SCRATCH_DIR.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_flags=(--detach --name "$name" --publish "127.0.0.1:$port:8000"
  --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
  --read-only --user 10001:10001
  --cap-drop ALL --security-opt no-new-privileges
  --env SCRATCH_DIR="$task_scratch"
  --env METRICS_EMF=1 --env ENVIRONMENT=development --env API_KEYS="$api_key_entry")
for mount in "${mounts[@]}"; do run_flags+=(--mount "type=volume,destination=$mount"); done
if [[ $engine == podman ]]; then
  # podman runs health checks from systemd timers, absent here, so the check below runs the
  # HEALTHCHECK by hand. Its anonymous volumes go with the container (rm -v in cleanup).
  run_flags+=(--health-interval disable)
fi
# podman 4.3 reports the missing systemd timers as errors even with the interval disabled: the
# run's own messages are shown only when it fails.
"$engine" run "${run_flags[@]}" "$image" >"$scratch/run.log" 2>&1 || { cat "$scratch/run.log" >&2; fail "$engine run failed"; }

wait_http() { # PATH SECONDS: until GET answers 200
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port$1" 2>/dev/null; do
    [[ $("$engine" inspect --format '{{.State.Running}}' "$name") == true ]] || fail "container exited before $1 answered"
    ((SECONDS < deadline)) || fail "GET $1 did not answer 200 within $2 s"
    sleep 0.3
  done
}
started=$SECONDS
wait_http /healthz 30
wait_http /readyz 30
echo "container-check: /healthz and /readyz 200 on 127.0.0.1:$port after $((SECONDS - started)) s"

if [[ $engine == podman ]]; then
  podman healthcheck run "$name" >/dev/null || fail "the image HEALTHCHECK failed inside the container"
else
  deadline=$((SECONDS + 60))
  until [[ $(docker inspect --format '{{.State.Health.Status}}' "$name") == healthy ]]; do
    ((SECONDS < deadline)) || fail "the image HEALTHCHECK did not report healthy within 60 s"
    sleep 1
  done
fi
echo "container-check: HEALTHCHECK (curl on the container's loopback) passes"

# ---- processes: tini as PID 1, everything as uid 10001
pid=$("$engine" inspect --format '{{.State.Pid}}' "$name")
[[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == /usr/bin/tini-static* ]] || fail "PID 1 is $(tr '\0' ' ' <"/proc/$pid/cmdline")"
children=$(cat "/proc/$pid/task/"*/children 2>/dev/null | tr -s ' \n' ' ')
[[ -n ${children// /} ]] || fail "tini has no child process"
for p in $pid $children; do
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status")
  [[ $uid == 10001 ]] || fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) runs as uid $uid"
done
echo "container-check: PID 1 is tini, the service ($(tr '\0' ' ' <"/proc/${children%% *}/cmdline" | sed 's/ *$//')) and tini run as uid 10001"

# ---- EMF metric names, once the service writes them (METRICS_EMF=1)
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "${auth[@]}" -H 'Content-Type: application/json' \
  --data '[{"id": 1, "department": "Check"}, {"id": 0, "department": ""}]' \
  "http://127.0.0.1:$port/v1/departments" || true)
sleep 1
"$engine" logs "$name" >"$scratch/service.log" 2>&1 || true
python3 "$here/emf-check.py" "$repo/infrastructure/monitoring/emf-metrics.json" "$scratch/service.log" "$status" ||
  fail "EMF lines do not match emf-metrics.json"

# ---- a backup and a restore through the API: the scratch Avro file in SCRATCH_DIR, the backup
# in the object folder and the database under var/, on the task's mounts with the root read-only
status=$(curl -sS -o "$scratch/backup.json" -w '%{http_code}' --max-time 60 "${auth[@]}" -X POST \
  "http://127.0.0.1:$port/v1/departments/backups" || true)
[[ $status == 201 ]] || fail "POST /v1/departments/backups answered $status: $(head -c 300 "$scratch/backup.json")"
backup_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["backup_id"])' "$scratch/backup.json")
status=$(curl -sS -o "$scratch/restore.json" -w '%{http_code}' --max-time 60 "${auth[@]}" \
  -H 'Content-Type: application/json' --data "{\"backup_id\": \"$backup_id\"}" \
  "http://127.0.0.1:$port/v1/departments/restore" || true)
[[ $status == 200 ]] || fail "POST /v1/departments/restore answered $status: $(head -c 300 "$scratch/restore.json")"
rows=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["rows_restored"])' "$scratch/restore.json")
[[ $rows -ge 1 ]] || fail "the restore put back $rows rows, expected the department loaded above"
echo "container-check: backup $backup_id written and restored ($rows rows) with SCRATCH_DIR=$task_scratch on a volume, root read-only, uid 10001"

# ---- SIGTERM with an upload in flight: the upload completes, then the service exits 0, well
# within the stop timeout.
python3 -c 'import sys; sys.stdout.writelines(f"{i},Department {i}\n" for i in range(100, 20100))' >"$scratch/rows.csv"
curl -sS -o "$scratch/upload.json" -w '%{http_code}' --max-time 60 --limit-rate 200k "${auth[@]}" \
  -H 'Content-Type: text/csv' --data-binary "@$scratch/rows.csv" \
  "http://127.0.0.1:$port/v1/departments/upload" >"$scratch/upload.status" 2>&1 &
upload=$!
sleep 1
started=$SECONDS
"$engine" kill --signal TERM "$name" >/dev/null
deadline=$((SECONDS + stop_limit))
while [[ $("$engine" inspect --format '{{.State.Running}}' "$name") == true ]]; do
  ((SECONDS < deadline)) || fail "still running $stop_limit s after SIGTERM"
  sleep 0.2
done
code=$("$engine" inspect --format '{{.State.ExitCode}}' "$name")
[[ $code == 0 ]] || fail "exit status $code after SIGTERM"
wait "$upload" || true
[[ $(cat "$scratch/upload.status") == 201 ]] ||
  fail "the upload in flight at SIGTERM answered $(cat "$scratch/upload.status"): $(head -c 300 "$scratch/upload.json")"
echo "container-check: SIGTERM during a 20000-row upload: the upload finished (201), then exit 0 after $((SECONDS - started)) s (limit $stop_limit s)"
