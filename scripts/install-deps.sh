#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet,
# so that a fresh machine needs nothing done by hand. Uses apt-get as root,
# or through sudo; says exactly what is missing when it can do neither.
set -euo pipefail

missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Устанавливаю пакеты Debian (installing Debian packages): ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "Нужны права root: установите вручную (root needed, install by hand): apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
