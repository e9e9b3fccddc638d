# Builds, from files of this machine, the images docker/Dockerfile starts FROM, for engines that cannot pull:
# a Node runtime (node + the shared libraries it needs + a shell + npm) and a Docker CLI image. Sourced by
# docker/test.sh; needs `log` and `die` from it.

# Copies a binary and the shared libraries `ldd` lists for it into the root filesystem $1.
copy_with_libraries() {
  local root=$1 binary=$2 target=$3 lib
  mkdir -p "$root$(dirname "$target")"
  cp -L "$binary" "$root$target"
  for lib in $(ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' || true); do
    [ -e "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# Adds /bin/sh (static busybox when present, else the host's dash with its libraries), /etc/passwd, /tmp.
add_minimal_system() {
  local root=$1 applet
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home/node" "$root/usr/bin"
  chmod 1777 "$root/tmp"
  if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
      [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
  else
    copy_with_libraries "$root" "$(readlink -f /bin/sh)" /bin/sh
  fi
  ln -sf /bin/env "$root/usr/bin/env" 2>/dev/null || true
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
}

# import_root_filesystem ROOT TAG [--change …]…
import_root_filesystem() {
  local root=$1 tag=$2
  shift 2
  tar -C "$root" -cf - . | docker import "$@" - "$tag" >/dev/null
}

build_node_base_image() {
  local tag=$1 root="$WORK/rootfs-node" node npm_root
  node=$(readlink -f "$(command -v node)") || die "node is not on PATH"
  npm_root=$(npm root -g 2>/dev/null)/npm
  [ -d "$npm_root" ] || die "npm's package folder not found (npm root -g)"
  rm -rf "$root"
  add_minimal_system "$root"
  copy_with_libraries "$root" "$node" /usr/local/bin/node
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -r "$npm_root" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  local changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]')
  # Where this machine reaches the npm registry through a TLS-inspecting proxy, its trust store comes along,
  # so that the build stage's `npm install` trusts what the host trusts.
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$root/etc/ssl/certs"
    cp -L "$NODE_EXTRA_CA_CERTS" "$root/etc/ssl/certs/ca-certificates.crt"
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  import_root_filesystem "$root" "$tag" "${changes[@]}"
  rm -rf "$root"
}

build_docker_cli_image() {
  local tag=$1 root="$WORK/rootfs-docker-cli" cli
  # Debian's docker.io client, as the official docker:*-cli images hold theirs.
  cli=$(dpkg -L docker.io 2>/dev/null | grep -E '/bin/docker$' | head -n 1 || true)
  [ -n "$cli" ] || cli=$(command -v docker)
  rm -rf "$root"
  add_minimal_system "$root"
  copy_with_libraries "$root" "$cli" /usr/local/bin/docker
  import_root_filesystem "$root" "$tag" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["docker"]'
  rm -rf "$root"
}
