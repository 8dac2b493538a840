#!/usr/bin/env bash
# Neovim ≥ 0.10 for test/e2e/neovim.test.ts (inlay hints and semantic tokens need 0.10; Debian 12
# ships 0.7.2). Debian 13 (trixie) has 0.10.4: its .debs are downloaded with a private apt
# configuration (the system's sources and dpkg state are not touched) and unpacked into
# .tools/neovim/root. That nvim needs glibc ≥ 2.38, so trixie's libc6 comes too and
# .tools/neovim/bin/nvim starts nvim through trixie's own dynamic loader. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="${JUMPLENS_NEOVIM_DIR:-.tools/neovim}"
if [ -x "$DEST/bin/nvim" ] && "$DEST/bin/nvim" --version 2>/dev/null | grep -q '^NVIM v0\.1[0-9]'; then exit 0; fi
mkdir -p "$DEST"; DEST="$(cd "$DEST" && pwd)"; APT="$DEST/apt"
rm -rf "$DEST"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DEST/debs" "$DEST/root" "$DEST/bin"
echo 'deb http://deb.debian.org/debian trixie main' > "$APT/sources.list"
OPTS=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o Dir::Etc::sourceparts=/nonexistent -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache")
apt-get "${OPTS[@]}" update -qq
PKGS=(neovim neovim-runtime libc6 libluajit-5.1-2 libmsgpack-c2 libtree-sitter0.22 libunibilium4 libuv1t64 libvterm0 lua-lpeg lua-luv)
(cd "$DEST/debs" && apt-get "${OPTS[@]}" download -qq "${PKGS[@]}")
for d in "$DEST"/debs/*.deb; do dpkg-deb -x "$d" "$DEST/root"; done
ROOT="$(cd "$DEST/root" && pwd)"
cat > "$DEST/bin/nvim" <<WRAP
#!/bin/sh
# trixie's nvim through trixie's loader and libraries (see scripts/setup-neovim.sh).
export VIMRUNTIME="$ROOT/usr/share/nvim/runtime"
export LUA_CPATH="$ROOT/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;;"
exec "$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu" "$ROOT/usr/bin/nvim" "\$@"
WRAP
chmod +x "$DEST/bin/nvim"
rm -rf "$APT" "$DEST/debs"
"$DEST/bin/nvim" --version | head -1
