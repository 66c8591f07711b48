#!/usr/bin/env bash
# Builds duban's release packages: a .deb (binary, systemd unit, /etc/duban/duban.env) and a
# tarball with the same files for other distributions (麒麟 / 统信 / any glibc Linux).
#
#   packaging/build.sh                              # this machine's architecture
#   packaging/build.sh --target aarch64-unknown-linux-gnu --glibc 2.28
#   packaging/build.sh --binary target/release/duban   # package an existing binary
#
# --glibc N builds with cargo-zigbuild (pip's `ziglang` + `cargo install cargo-zigbuild`), which
# links against glibc N's symbols, so the binary runs on 麒麟 V10 / 统信 UOS 20 (glibc 2.28).
# Without it the binary needs the build machine's glibc. Output: dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

target=""; glibc=""; binary=""; out="dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --glibc) glibc="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
target="${target:-$(rustc -vV | sed -n 's/^host: //p')}"
case "$target" in
  x86_64-*) deb_arch=amd64 ;;
  aarch64-*) deb_arch=arm64 ;;
  *) echo "unsupported target $target" >&2; exit 2 ;;
esac
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

if [ -z "$binary" ]; then
  target_dir="${CARGO_TARGET_DIR:-target}"
  if [ -n "$glibc" ]; then
    command -v cargo-zigbuild >/dev/null || { echo "cargo-zigbuild not found (cargo install cargo-zigbuild; pip install ziglang)" >&2; exit 1; }
    cargo zigbuild --release --locked -p duban-cli --target "$target.$glibc"
  else
    if [ "$target" = aarch64-unknown-linux-gnu ] && [ "$(uname -m)" != aarch64 ]; then
      export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}"
      export CC_aarch64_unknown_linux_gnu="${CC_aarch64_unknown_linux_gnu:-aarch64-linux-gnu-gcc}"
    fi
    cargo build --release --locked -p duban-cli --target "$target"
  fi
  binary="$target_dir/$target/release/duban"
fi
[ -x "$binary" ] || { echo "no binary at $binary" >&2; exit 1; }

# The newest glibc symbol version the binary needs: the oldest glibc it runs on.
needs=$(objdump -T "$binary" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1 || true)
echo "duban $version for $target needs glibc >= ${needs:-?}"

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Ship without debug info (the release profile keeps line tables for local profiling).
cp "$binary" "$stage/duban"
for s in strip "${target%%-*}-linux-gnu-strip" llvm-strip; do
  if command -v "$s" >/dev/null && "$s" --strip-debug "$stage/duban" 2>/dev/null; then break; fi
done
binary="$stage/duban"
echo "binary size: $(du -h "$binary" | cut -f1)"

# Files shared by the .deb and the tarball.
root="$stage/deb"
install -D -m 0755 "$binary" "$root/usr/bin/duban"
install -D -m 0644 packaging/duban.service "$root/lib/systemd/system/duban.service"
install -D -m 0640 packaging/duban.env "$root/etc/duban/duban.env"
install -D -m 0644 docs/install-offline.md "$root/usr/share/doc/duban/install-offline.md"
install -D -m 0644 LICENSE "$root/usr/share/doc/duban/copyright"

mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: duban
Version: $version
Section: web
Priority: optional
Architecture: $deb_arch
Depends: libc6 (>= ${needs:-2.28})
Maintainer: duban maintainers <duban@localhost>
Homepage: https://github.com/duban
Description: 督办 — runs a government work plan from document to verified results
 Plan, deliver, monitor, evaluate and publish an annual 工作要点. One binary with an
 embedded SQLite database (or PostgreSQL via DATABASE_URL) and a systemd unit.
CONTROL
echo /etc/duban/duban.env > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  install -d -m 0750 /var/lib/duban
  if ! getent passwd duban >/dev/null; then
    if command -v adduser >/dev/null 2>&1; then
      adduser --system --group --home /var/lib/duban --no-create-home duban >/dev/null
    else
      useradd --system --user-group --home-dir /var/lib/duban --shell /usr/sbin/nologin duban
    fi
  fi
  chown duban:duban /var/lib/duban
  chgrp duban /etc/duban/duban.env
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable duban.service >/dev/null
    systemctl restart duban.service
  fi
fi
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl disable --now duban.service >/dev/null || true
fi
PRERM
cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# The data in /var/lib/duban is kept, also on purge: it is the office's record.
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
deb="$out/duban_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "built $deb"

# The tarball: the same files, laid out for a manual install (see install-offline.md).
name="duban-$version-$target"
tdir="$stage/$name"
install -D -m 0755 "$binary" "$tdir/bin/duban"
install -D -m 0644 packaging/duban.service "$tdir/duban.service"
install -D -m 0644 packaging/duban.env "$tdir/duban.env"
install -D -m 0644 docs/install-offline.md "$tdir/install-offline.md"
install -D -m 0644 LICENSE "$tdir/LICENSE"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "built $out/$name.tar.gz"
(cd "$out" && sha256sum "$(basename "$deb")" "$name.tar.gz" > "SHA256SUMS-$name")
