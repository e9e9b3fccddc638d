#!/usr/bin/env bash
# Container tests (issue 5): builds the gateway image from docker/Dockerfile, unchanged, and a test backend
# image, on a real Docker engine, then runs docker/test/scenarios.mjs: the gateway started the way Claude
# Desktop starts it, driven by the official SDK client, with backends as sibling containers.
#
# Uses the running engine when `docker info` answers; otherwise installs Debian's docker.io if needed (root) and
# starts its own dockerd (vfs, no bridge, no iptables) under a temp folder. Images the engine cannot pull are
# built from this machine's files (docker/test/baseImages.sh). Everything it created is removed on exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_DIR="$REPO/docker/test"
RUN_ID="$(date +%s)-$$"
GATEWAY_IMAGE="mcpware-test-gateway:$RUN_ID"
BACKEND_IMAGE="mcpware-test-backend:$RUN_ID"
DOCKERD_START_TIMEOUT_S=60

log() { printf '[docker-test %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() {
  printf '\n[docker-test] FAILED: %s\n\n' "$*" >&2
  exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcpware-docker-test.XXXXXX")
DOCKERD_PID=""
CREATED_IMAGES=()

cleanup() {
  local status=$? id
  trap - EXIT
  if docker info >/dev/null 2>&1; then
    for id in $(docker ps -aq --filter "label=io.mcpware.test=$RUN_ID" 2>/dev/null) \
      $(docker ps -aq --filter "ancestor=$BACKEND_IMAGE" 2>/dev/null); do
      docker rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in "${CREATED_IMAGES[@]}"; do docker rmi -f "$id" >/dev/null 2>&1 || true; done
  fi
  if [ -n "$DOCKERD_PID" ]; then
    log "stopping the dockerd this script started (pid $DOCKERD_PID)"
    kill "$DOCKERD_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
    # containerd may keep its own mounts briefly after dockerd exits.
    grep -o " $WORK/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  rm -rf "$WORK" 2>/dev/null || true
  if [ "$status" -eq 0 ]; then log "all container scenarios passed"; fi
  exit "$status"
}
trap cleanup EXIT
# Interrupted runs clean up too (bash runs the EXIT trap on these only when they are trapped).
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=docker/test/baseImages.sh
. "$TEST_DIR/baseImages.sh"

ensure_docker_installed() {
  local packages=()
  command -v docker >/dev/null 2>&1 || packages+=(docker.io)
  command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
  [ -x /bin/busybox ] || packages+=(busybox-static)
  [ "${#packages[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 && return 0
    die "Docker is not installed and cannot be installed here (needs root and apt-get): install docker.io"
  fi
  log "installing ${packages[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >"$WORK/apt.log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" \
      </dev/null >>"$WORK/apt.log" 2>&1 \
    || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get could not install ${packages[*]}"; }
}

ensure_engine() {
  if docker info >/dev/null 2>&1; then
    log "using the running Docker engine (${DOCKER_HOST:-default socket})"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers and only root can start dockerd here"
  local dir="$WORK/dockerd"
  mkdir -p "$dir"
  log "starting dockerd (vfs, --bridge=none, no iptables) under $dir"
  dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$dir/docker.sock" >"$dir/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST="unix://$dir/docker.sock"
  for _ in $(seq 1 $((DOCKERD_START_TIMEOUT_S * 5))); do
    if docker info >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  tail -n 30 "$dir/dockerd.log" >&2 || true
  DOCKERD_PID_DEAD=$DOCKERD_PID
  kill -0 "$DOCKERD_PID" 2>/dev/null || DOCKERD_PID=""
  die "dockerd did not start (pid $DOCKERD_PID_DEAD); the container tests cannot run on this machine"
}

# The socket the engine listens on, as a path on this machine (mounted into the gateway container).
engine_socket() {
  case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
    unix://*) printf '%s\n' "${DOCKER_HOST#unix://}" ;;
    *) die "DOCKER_HOST=$DOCKER_HOST is not a unix socket; the gateway container needs one mounted" ;;
  esac
}

# The default of `ARG NAME=…` in docker/Dockerfile, so the locally built base images carry the exact tags.
dockerfile_default() {
  sed -n "s/^ARG $1=//p" "$REPO/docker/Dockerfile" | head -n 1
}

ensure_base_image() {
  local tag=$1 builder=$2
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "base image $tag is present"
    return 0
  fi
  log "building base image $tag from this machine's files"
  "$builder" "$tag"
  CREATED_IMAGES+=("$tag")
}

# BuildKit when a CLI here can drive it: it creates no container per instruction, which on vfs (a full copy of
# the image each time) makes the build several times faster. A Docker CLI >= 23 needs buildx for that; Debian's
# docker.io client (20.10) has BuildKit built in. Otherwise the legacy builder.
BUILD_CLI=docker
BUILD_KIT=0
choose_builder() {
  local candidate probe="mcpware-test-probe:$RUN_ID"
  for candidate in docker $(dpkg -L docker.io 2>/dev/null | grep -E '/bin/docker$' || true); do
    if printf 'FROM %s\nLABEL io.mcpware.test.probe=1\n' "$NODE_IMAGE" |
      DOCKER_BUILDKIT=1 "$candidate" build -q -t "$probe" - >/dev/null 2>&1; then
      BUILD_CLI=$candidate
      BUILD_KIT=1
      docker rmi -f "$probe" >/dev/null 2>&1 || true
      log "building with BuildKit ($candidate)"
      return 0
    fi
  done
  log "building with the legacy builder (no BuildKit-capable CLI here)"
}

build_image() {
  local tag=$1 logfile=$2
  shift 2
  log "building $tag (log: docker build $*)"
  CREATED_IMAGES+=("$tag")
  if ! DOCKER_BUILDKIT=$BUILD_KIT "$BUILD_CLI" build --force-rm --network host -t "$tag" "$@" >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "docker build of $tag failed"
  fi
}

ensure_docker_installed
ensure_engine
SOCKET=$(engine_socket)
[ -S "$SOCKET" ] || die "the engine's socket $SOCKET is not a socket on this machine"

NODE_IMAGE=$(dockerfile_default NODE_IMAGE)
DOCKER_CLI_IMAGE=$(dockerfile_default DOCKER_CLI_IMAGE)
[ -n "$NODE_IMAGE" ] && [ -n "$DOCKER_CLI_IMAGE" ] || die "docker/Dockerfile lost its ARG NODE_IMAGE/DOCKER_CLI_IMAGE"
ensure_base_image "$NODE_IMAGE" build_node_base_image
ensure_base_image "$DOCKER_CLI_IMAGE" build_docker_cli_image

choose_builder
build_image "$BACKEND_IMAGE" "$WORK/backend-build.log" -f "$TEST_DIR/backend.Dockerfile" "$TEST_DIR"
build_image "$GATEWAY_IMAGE" "$WORK/gateway-build.log" -f "$REPO/docker/Dockerfile" "$REPO"

log "running the container scenarios"
MCPWARE_TEST_RUN_ID="$RUN_ID" MCPWARE_TEST_GATEWAY_IMAGE="$GATEWAY_IMAGE" \
  MCPWARE_TEST_BACKEND_IMAGE="$BACKEND_IMAGE" MCPWARE_TEST_SOCKET="$SOCKET" MCPWARE_TEST_WORK="$WORK" \
  node "$TEST_DIR/scenarios.mjs" || die "a container scenario failed (see above)"
