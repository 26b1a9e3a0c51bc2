#!/usr/bin/env bash
# Mesa's lavapipe (a Vulkan driver that runs on the CPU), 24 or later, unpacked into this checkout's
# git-ignored .cache/lavapipe/ for the tests that run TensorFlow.js's WebGPU kernels for real on a
# machine without a GPU (Dawn, the WebGPU in Node, refuses Debian 12's own Mesa 22.3). Nothing on the
# system changes but, on Debian 12, one apt source (bookworm-backports, which apt never prefers).
# Idempotent; .ci/run runs it. Prints the driver's manifest, which tests find by themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

target="$PWD/.cache/lavapipe"
manifest="$target/lvp_icd.json"
# Done already, unless the checkout has moved since (the manifest names the driver by its full path).
if [ -f "$manifest" ] && grep -qF "\"$target/" "$manifest"; then
  echo "$manifest"
  exit 0
fi

release=()
if grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list
  fi
  release=(-t bookworm-backports)
fi
apt-get update -qq

download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
# apt's sandbox user must be able to write where it downloads.
chmod 777 "$download"
(cd "$download" && apt-get download -qq "${release[@]}" mesa-vulkan-drivers)
version="$(dpkg-deb -f "$download"/mesa-vulkan-drivers_*.deb Version)"
if [ "${version%%.*}" -lt 24 ]; then
  echo "this system's apt offers Mesa $version; Dawn needs lavapipe from Mesa 24 or later" >&2
  exit 1
fi

mkdir -p "$target.partial"
dpkg-deb -x "$download"/mesa-vulkan-drivers_*.deb "$target.partial/root"
library="$(find "$target.partial/root" -name 'libvulkan_lvp.so' | head -n 1)"
api="$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$(find "$target.partial/root" -name 'lvp_icd*.json' | head -n 1)")"
rm -rf "$target"
mv "$target.partial" "$target"
library="$target/${library#"$target.partial/"}"
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "%s" } }\n' "$library" "$api" > "$manifest"
echo "$manifest"
