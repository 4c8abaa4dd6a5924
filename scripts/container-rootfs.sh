#!/usr/bin/env bash
# Builds the container's minimal root filesystem (used by the Dockerfile's runtime-root stage):
#
#   scripts/container-rootfs.sh ROOT PROGRAM...
#
# ROOT gets each PROGRAM at its own path, every shared library the programs link against
# (from ldd, with their symlink chains), CA certificates, /etc/passwd and /etc/group with the
# service user 10001, /tmp, /srv/migration-api/var owned by that user, and the dpkg records of
# every package a file came from (var/lib/dpkg/status.d/, the layout image scanners read).
# Then it runs each program inside ROOT (chroot) to prove nothing is missing.
set -euo pipefail

root=$1
shift
programs=("$@")

mkdir -p "$root"/usr/{bin,lib,lib64,sbin} "$root"/etc/ssl/certs "$root"/var/lib/dpkg/status.d \
  "$root"/srv/migration-api/var "$root"/tmp
# Merged /usr, as in Debian 12: the loader's /lib64 path and /lib paths resolve inside ROOT.
for dir in bin lib lib64 sbin; do
  ln -sfn "usr/$dir" "$root/$dir"
done

copied=()
# Copies a path, following its chain of symlinks, each link and the final file kept as such.
copy_path() {
  local path=$1 target
  while :; do
    path="$(realpath "$(dirname "$path")")/$(basename "$path")"
    cp -a --parents "$path" "$root"
    copied+=("$path")
    [[ -L $path ]] || break
    target=$(readlink "$path")
    [[ $target == /* ]] || target="$(dirname "$path")/$target"
    path=$target
  done
}

for program in "${programs[@]}"; do
  copy_path "$program"
  # ldd lines: "libx.so.1 => /path/libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)".
  while read -r lib; do
    copy_path "$lib"
  done < <(ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done

# CA bundle; os-release and debian_version so scanners know the distribution of the records.
for file in /etc/ssl/certs/ca-certificates.crt /etc/os-release /etc/debian_version; do
  copy_path "$file"
done
if [[ -f /etc/nsswitch.conf ]]; then
  cp -a /etc/nsswitch.conf "$root/etc/nsswitch.conf"
else
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
fi
printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
  'migration:x:10001:10001:migration-api:/srv/migration-api:/usr/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'migration:x:10001:' >"$root/etc/group"
# /tmp belongs to the service user too: a platform that mounts a fresh volume there (Fargate)
# copies the owner from the image's VOLUME, and root's /tmp would be unwritable to uid 10001
# under a platform that drops the sticky world-writable mode.
chown 10001:10001 "$root/tmp"
chmod 1777 "$root/tmp"
chown -R 10001:10001 "$root/srv/migration-api"
chmod 0750 "$root/srv/migration-api" "$root/srv/migration-api/var"

# dpkg records of the packages the files came from. dpkg may know a file under /lib while it
# sits under /usr/lib (merged /usr), so both spellings are asked.
declare -A packages=()
for path in "${copied[@]}"; do
  owner=$({ dpkg -S "$path" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null || true; } | head -n 1)
  [[ -n $owner ]] || continue
  # "pkg1:amd64, pkg2: /path": package names before ": /", each without its architecture.
  for pkg in $(tr ',' ' ' <<<"${owner%%: /*}"); do
    packages[${pkg%%:*}]=1
  done
done
for pkg in "${!packages[@]}"; do
  dpkg-query -s "$pkg" >"$root/var/lib/dpkg/status.d/$pkg"
done

# Proof that the tree is complete: every program starts inside it.
for program in "${programs[@]}"; do
  case ${program##*/} in
    tini*) chroot "$root" "$program" --version >/dev/null ;;
    curl) chroot "$root" "$program" --version >/dev/null ;;
    *) chroot "$root" "$program" --help >/dev/null ;;
  esac
done
echo "container-rootfs: ${#programs[@]} programs, ${#packages[@]} packages, $(du -sh "$root" | cut -f1) in $root"
