#!/usr/bin/env bash
# Verifies everything the deployment ships, offline, on this machine (`make check-deploy`, part
# of `make test`; docs/deploy-checks.md explains each step):
#
#   - tools       the Debian packages of scripts/install-deps.sh --deploy; the machine image's tools
#   - npm         the pinned npm tools of tools/deploy-check (npm ci, only when the lockfile changed)
#   - shellcheck  every shell script of the repository
#   - yamllint    every YAML file
#   - docs        the runbooks exist; every bash block in docs/ parses and passes shellcheck
#   - dashboard   dashboard.json parsed; its metrics, the alarms' and the log events checked against
#                 AWS, the service's EMF contract and its source; CloudFormation's copy identical
#   - compose     docker-compose.yml against the Compose schema and its promises
#   - cfn-lint    the CloudFormation template, errors fail
#   - cfn-policy  the architecture's rules asserted on the template
#   - aws-review  what a real account does that the emulator does not, on both IaC flavours
#   - rds-ca      the release's RDS CA bundle fetch accepts a bundle of RDS CAs, refuses anything else
#   - cfn-stack   the stack created in moto_server (EmulatorMode=true), CREATE_COMPLETE, read back
#   - terraform   fmt -check; init -backend=false from the local provider mirror + validate
#   - kubernetes  kubectl kustomize of each overlay + Argo CD manifests against Kubernetes schemas
#   - workflows   actionlint + shellcheck of every run: block
#   - image       podman build from a debootstrapped Debian 12 base; the container run and checked
#                 (healthz/readyz on loopback, uid 10001, tini as PID 1, SIGTERM mid-upload)
#
# Usage: scripts/check-deploy.sh [STEP...]   (no STEP: all of them, in this order)
# Caches (kept between runs, outside the repository): ${DEPLOY_CHECK_CACHE:-/var/cache/migration-api}
# for the base image tarball; podman's store for image layers; the ccache mount of the build.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
export DEPLOY_CHECK_CACHE=${DEPLOY_CHECK_CACHE:-/var/cache/migration-api}
tf_mirror=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
image=localhost/migration-api:check
tools=$repo/tools/deploy-check
all_steps=(tools npm shellcheck yamllint docs dashboard compose cfn-lint cfn-policy aws-review rds-ca cfn-stack
  terraform kubernetes workflows image)

say() { printf 'check-deploy: %s\n' "$*"; }
skip() { # marks the running step as skipped (only terraform may, when the machine lacks it)
  say "SKIPPED: $*"
  : >"$scratch/skipped"
}
require() { # COMMAND HINT
  command -v "$1" >/dev/null 2>&1 || { say "$1 is not on this machine: $2" >&2; return 1; }
}

# Repository files by pattern, without build trees, dependencies and git's own files.
repo_files() {
  find . \( -path ./build -o -path ./.git -o -name node_modules -o -name .terraform \) -prune -o \
    -type f \( "$@" \) -print | sort
}

step_tools() {
  scripts/install-deps.sh --deploy
  require cfn-lint "cfn-lint ships with the machine image (pip)"
  require moto_server "moto_server ships with the machine image (pip: moto[server])"
  require kubectl "kubectl ships with the machine image"
  require node "Node.js ships with the machine image"
  local runtime
  runtime=$(podman info --format '{{.Host.OCIRuntime.Name}}')
  [[ $runtime == runc ]] || { say "podman's OCI runtime is $runtime, not runc" >&2; return 1; }
  python3 -c 'import boto3, cryptography, cfnlint' ||
    { say "python3 lacks boto3/cryptography/cfnlint (machine image)" >&2; return 1; }
  say "podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'),\
 cfn-lint $(cfn-lint --version | awk '{print $2}'), node $(node --version), kubectl\
 $(kubectl version --client -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
}

step_npm() {
  local stamp=$tools/node_modules/.lock-sha256 want
  want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "npm tools as pinned in tools/deploy-check/package-lock.json: present"
    return 0
  fi
  # npm ci installs exactly the lockfile, from the registry npm is configured with.
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

step_shellcheck() {
  local scripts=()
  mapfile -t scripts < <(repo_files -name '*.sh' -o -name '*.bash' -o -path ./.ci/run)
  shellcheck -x "${scripts[@]}"
  say "shellcheck clean on ${#scripts[@]} scripts"
}

step_yamllint() {
  local files=()
  mapfile -t files < <(repo_files -name '*.yml' -o -name '*.yaml')
  yamllint --strict -c .yamllint.yaml "${files[@]}"
  say "yamllint clean on ${#files[@]} files"
}

step_docs() {
  local doc
  for doc in deploy-runbook disaster-recovery security costs deploy-checks; do
    [[ -s docs/$doc.md ]] || { say "docs/$doc.md is missing" >&2; return 1; }
  done
  python3 scripts/check-deploy/doc-commands.py docs/*.md
}

step_dashboard() {
  python3 scripts/check-deploy/dashboard-check.py "$repo"
  node "$tools/sync-dashboard.mjs" --check
}

step_compose() {
  node "$tools/compose-check.mjs" docker-compose.yml
}

step_cfn-lint() {
  # Errors fail the run (exit code bit 2); warnings are shown.
  cfn-lint --non-zero-exit-code error -- infrastructure/cloudformation/api-stack.yaml \
    infrastructure/cloudformation/bootstrap.yaml
  say "cfn-lint: no errors in api-stack.yaml and bootstrap.yaml"
}

step_cfn-policy() {
  python3 scripts/check-deploy/cfn-policy.py infrastructure/cloudformation/api-stack.yaml
}

step_aws-review() {
  python3 scripts/check-deploy/aws-review.py "$repo"
}

step_rds-ca() {
  scripts/check-deploy/rds-ca-check.sh
}

step_cfn-stack() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$port" >"$scratch/moto.log" 2>&1 &
  moto_pid=$!
  # Only the server this step started is stopped, when the step's subshell ends.
  trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; do
    kill -0 "$moto_pid" 2>/dev/null || { cat "$scratch/moto.log" >&2; say "moto_server exited" >&2; return 1; }
    ((SECONDS < deadline)) || { say "moto_server did not start within 30 s" >&2; return 1; }
    sleep 0.3
  done
  python3 scripts/check-deploy/cfn-emulator.py "http://127.0.0.1:$port" \
    infrastructure/cloudformation/api-stack.yaml
}

step_terraform() {
  if ! command -v terraform >/dev/null 2>&1; then
    skip "terraform is not installed on this machine: fmt and validate not run"
    return 0
  fi
  export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1
  terraform -chdir=infrastructure/terraform fmt -check -recursive -diff
  say "terraform fmt: clean"
  # The image has no shell: a CMD-SHELL health check would mark every task unhealthy.
  if grep -n 'CMD-SHELL' infrastructure/terraform/*.tf; then
    say "a health check above needs a shell, which the image does not have" >&2
    return 1
  fi
  if ! compgen -G "$tf_mirror/*/hashicorp/aws/*" >/dev/null; then
    skip "no local provider mirror with hashicorp/aws at $tf_mirror (set TF_PLUGIN_MIRROR): validate not run"
    return 0
  fi
  # A copy, so init's lock file and plugin folder never land in the work tree.
  mkdir -p "$scratch/tf"
  cp -r infrastructure/terraform infrastructure/monitoring "$scratch/tf/"
  TF_DATA_DIR=$scratch/tf/data terraform -chdir="$scratch/tf/terraform" init -backend=false \
    -plugin-dir="$tf_mirror" -input=false -no-color >"$scratch/tf/init.log" ||
    { cat "$scratch/tf/init.log" >&2; return 1; }
  TF_DATA_DIR=$scratch/tf/data terraform -chdir="$scratch/tf/terraform" validate -no-color
}

step_kubernetes() {
  local overlay name
  mkdir -p "$scratch/k8s"
  for overlay in infrastructure/kubernetes/overlays/*/; do
    name=$(basename "$overlay")
    kubectl kustomize "$overlay" >"$scratch/k8s/$name.yaml"
    say "kustomize $name: $(grep -c '^kind:' "$scratch/k8s/$name.yaml") objects"
  done
  node "$tools/k8s-check.mjs" "$repo" "$scratch/k8s"
}

step_workflows() {
  node "$tools/workflows-check.mjs" "$repo"
}

step_image() {
  scripts/check-deploy/base-image.sh
  local started=$SECONDS
  # The build's own output goes to a log, shown when it fails. Its base and every package
  # come from the machine's Debian archive; a changed source recompiles through ccache.
  local build=(podman build --format docker --ulimit nofile=4096:4096 --ulimit nproc=4096:4096
    --build-arg BASE_IMAGE=localhost/debian:bookworm
    --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)")
  # The build stage runs npm ci (the /ui app): give it this machine's npm CA file, if one is
  # configured (a TLS-inspecting proxy's CA), as the Dockerfile's optional npm_ca build secret.
  local npm_ca
  npm_ca=$(npm config get cafile 2>/dev/null || true)
  if [[ -n $npm_ca && $npm_ca != null && -s $npm_ca ]]; then build+=(--secret "id=npm_ca,src=$npm_ca"); fi
  if ! "${build[@]}" --tag "$image" . >"$scratch/build.log" 2>&1; then
    tail -60 "$scratch/build.log" >&2
    say "podman build failed (the last 60 lines above; a compile error in src/ shows here too)" >&2
    return 1
  fi
  say "podman build: $image in $((SECONDS - started)) s ($(grep -c 'Using cache' "$scratch/build.log") cached steps)"
  scripts/check-deploy/container-check.sh podman "$image"
  # The compile stage gets a tag (a cache hit, a second), so pruning never takes it; untagged
  # layers of superseded builds older than a day go.
  "${build[@]}" --target build --tag localhost/migration-api:build-stage . >/dev/null 2>&1 || true
  podman image prune --force --filter until=24h >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- run the steps
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=("${all_steps[@]}")
for step in "${steps[@]}"; do
  declare -F "step_$step" >/dev/null || { say "unknown step $step (steps: ${all_steps[*]})" >&2; exit 2; }
done

scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$scratch_root"' EXIT
results=()
failed=0
skipped=0
total_started=$SECONDS
for step in "${steps[@]}"; do
  scratch=$scratch_root/$step
  mkdir -p "$scratch"
  printf '\n== check-deploy: %s\n' "$step"
  started=$SECONDS
  set +e
  (set -e; "step_$step")
  rc=$?
  set -e
  seconds=$((SECONDS - started))
  if [[ $rc -ne 0 ]]; then
    outcome=FAILED
    failed=$((failed + 1))
  elif [[ -e $scratch/skipped ]]; then
    outcome=skipped
    skipped=$((skipped + 1))
  else
    outcome=ok
  fi
  results+=("$(printf '%-11s %-8s %4d s' "$step" "$outcome" "$seconds")")
done

printf '\n== check-deploy summary\n'
printf '  %s\n' "${results[@]}"
say "${#steps[@]} checks in $((SECONDS - total_started)) s: $((${#steps[@]} - failed - skipped)) ok, $skipped skipped, $failed FAILED"
[[ $failed -eq 0 ]]
