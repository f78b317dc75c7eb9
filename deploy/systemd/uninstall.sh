#!/usr/bin/env bash
# Removes the farm-gateway service and its program; keeps the data and the configuration.
#
#   sudo deploy/systemd/uninstall.sh
#
# Safe to run again. Kept on purpose: /var/lib/farm-gateway (the outbox may hold readings that
# were never picked up), /etc/farm-gateway (the technician's settings, also any
# `systemctl edit` drop-ins), /var/log/farm-gateway, and the farm-gateway user and groups (so
# the kept files keep a meaningful owner). The script prints how to remove those by hand.
set -euo pipefail

readonly SERVICE=farm-gateway
readonly INSTALL_DIR=/opt/farm-gateway
readonly UNIT_FILE=/etc/systemd/system/farm-gateway.service
readonly DROP_IN_DIR=/etc/systemd/system/farm-gateway.service.d
readonly KEPT=(/var/lib/farm-gateway /etc/farm-gateway /var/log/farm-gateway)

say() { printf '==> %s\n' "$*"; }
die() { printf 'uninstall.sh: error: %s\n' "$*" >&2; exit 1; }

case ${1:-} in
  "") ;;
  -h | --help) echo "Usage: sudo $0   (removes the service and $INSTALL_DIR; keeps data and configuration)"; exit 0 ;;
  *) die "unknown argument: $1 (this script takes none)" ;;
esac
[[ $EUID -eq 0 ]] || die "must run as root: sudo $0"
command -v systemctl >/dev/null || die "systemctl not found"

if [[ -e $UNIT_FILE ]] || systemctl is-active --quiet "$SERVICE"; then
  say "Stopping and disabling $SERVICE"
  # Stopping completes the outbox file being written, so nothing is left as .part.
  systemctl disable --now --quiet "$SERVICE" || true
fi
if [[ -e $UNIT_FILE ]]; then
  say "Removing $UNIT_FILE"
  rm -f -- "$UNIT_FILE"
fi
systemctl daemon-reload
systemctl reset-failed "$SERVICE" 2>/dev/null || true

if [[ -e $INSTALL_DIR ]]; then
  say "Removing $INSTALL_DIR"
  rm -rf -- "$INSTALL_DIR"
fi
rm -rf -- "$INSTALL_DIR.new" "$INSTALL_DIR.old"

echo
echo "farm-gateway is uninstalled. Kept:"
for path in "${KEPT[@]}" "$DROP_IN_DIR"; do
  if [[ -e $path ]]; then echo "  $path"; fi
done
echo "  the farm-gateway user and group (and the i2c and gpio groups, which other programs use too)"
cat <<EOF
To remove those too (the outbox holds readings that may not have been picked up yet):
  sudo rm -rf ${KEPT[*]} $DROP_IN_DIR
  sudo userdel farm-gateway
EOF
