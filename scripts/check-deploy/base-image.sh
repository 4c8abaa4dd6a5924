#!/usr/bin/env bash
# Makes localhost/debian:bookworm for the offline image build: a minbase Debian 12 root
# filesystem bootstrapped from the Debian archive this machine's apt already uses (read from
# the apt sources by apt-sources.sh, never hard-coded), slimmed like the official -slim image,
# and imported into podman.
# Cached twice so reruns cost nothing: the podman image itself, and a tarball under
# ${DEPLOY_CHECK_CACHE:-/var/cache/migration-api} that survives a podman store reset and a
# fresh clone of the repo. The tarball's name carries the recipe's version: bump it when the
# recipe below changes and the next run bootstraps anew.
set -euo pipefail

recipe=3
image=localhost/debian:bookworm
cache_dir=${DEPLOY_CHECK_CACHE:-/var/cache/migration-api}
tarball=$cache_dir/debian-bookworm-minbase-r$recipe.tar

# The image is reused only when it was imported from this recipe's tarball.
if [[ $(podman image inspect --format '{{index .Config.Labels "migration-api.base-recipe"}}' \
  "$image" 2>/dev/null || true) == "$recipe" ]]; then
  echo "base-image: $image present (recipe $recipe)"
  exit 0
fi

if [[ ! -s $tarball ]]; then
  here=$(cd "$(dirname "$0")" && pwd)
  mapfile -t archives < <("$here/apt-sources.sh")
  if [[ ${#archives[@]} -eq 0 ]]; then
    echo "base-image: no Debian bookworm archive found in the apt sources" >&2
    exit 1
  fi
  # First line of apt-sources.sh: "URI SUITE" of the main archive.
  read -r mirror suite <<<"${archives[0]}"
  root=$(mktemp -d "${TMPDIR:-/tmp}/debian-rootfs.XXXXXX")
  trap 'rm -rf "$root" "$root.log"' EXIT
  echo "base-image: debootstrap --variant=minbase $suite from $mirror (once; cached in $cache_dir)"
  if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
    tail -20 "$root.log" >&2
    exit 1
  fi
  # The same archives (main, updates, security) inside the image as on the machine, so
  # apt-get in the Dockerfile resolves the package versions the project is built with here.
  : >"$root/etc/apt/sources.list"
  for line in "${archives[@]}"; do
    read -r uri suites <<<"$line"
    printf 'deb %s %s main\n' "$uri" "$suites" >>"$root/etc/apt/sources.list"
  done
  # As the official -slim image: dpkg skips docs, man pages and translations of every
  # package installed later, and apt keeps no downloaded .deb files.
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  # ... and what debootstrap already unpacked goes the same way.
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/* \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/* \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  mkdir -p "$cache_dir"
  tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  # Tarballs of older recipes are of no further use.
  find "$cache_dir" -maxdepth 1 -name 'debian-bookworm-minbase*.tar' -not -name "${tarball##*/}" -delete
fi

podman import --quiet \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL migration-api.base-recipe=$recipe" \
  "$tarball" "$image" >/dev/null
echo "base-image: imported $image from $tarball"
