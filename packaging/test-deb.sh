#!/usr/bin/env bash
# Installs a duban .deb on a clean Debian root and starts it the way its systemd unit does.
#
#   packaging/test-deb.sh dist/duban_0.0.0_amd64.deb [ROOT]
#
# ROOT is a fresh Debian tree (default: made with `debootstrap --variant=minbase bookworm`).
# Without systemd inside a chroot, the unit's ExecStart is run as the unit's User with its
# EnvironmentFile, then /readyz must answer 200. `systemd-analyze security` scores the unit's hardening.
set -euo pipefail
deb=$(realpath "$1")
root="${2:-}"
if [ -z "$root" ]; then
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"

cp "$deb" "$root/tmp/duban.deb"
chroot "$root" dpkg -i /tmp/duban.deb
chroot "$root" getent passwd duban
chroot "$root" stat -c '%U %a %n' /var/lib/duban /etc/duban/duban.env
unit="$root/lib/systemd/system/duban.service"
if command -v systemd-analyze >/dev/null; then
  # The hardening score of the installed unit (systemd-analyze works offline on a file).
  systemd-analyze --offline=true security "$unit" 2>&1 | tail -1 || true
fi
user=$(sed -n 's/^User=//p' "$unit")
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/^DUBAN_ADDR=.*/DUBAN_ADDR=127.0.0.1:$port/" "$root$envfile"
chroot "$root" runuser -u "$user" -- sh -c "cd /var/lib/duban && set -a && . $envfile && exec $exec_start" \
  > "$root/tmp/duban.log" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
head -5 "$root/tmp/duban.log"
ls -l "$root/var/lib/duban"
[ -n "$ok" ] || { echo "FAILED: /readyz did not answer"; exit 1; }
echo "OK: installed with dpkg -i, started as $user by the unit's command, /readyz 200 on :$port"
