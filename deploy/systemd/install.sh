#!/usr/bin/env bash
# Installs or updates the farm gateway as the systemd service farm-gateway.
#
#   sudo deploy/systemd/install.sh [--no-start] [PUBLISH_DIR]
#
# PUBLISH_DIR is the output of `dotnet publish src/Gateway -c Release -o PUBLISH_DIR`; without
# it the script publishes the repository it sits in (needs the .NET 10 SDK). Safe to run again:
# an update replaces the program and the unit, and never touches the technician's
# /etc/farm-gateway/appsettings.json or the data in /var/lib/farm-gateway.
set -euo pipefail

readonly SERVICE=farm-gateway
readonly SERVICE_USER=farm-gateway
readonly DEVICE_GROUPS=(i2c gpio)
readonly INSTALL_DIR=/opt/farm-gateway
readonly CONFIG_DIR=/etc/farm-gateway
readonly UNIT_FILE=/etc/systemd/system/farm-gateway.service
# The unit runs this path; ProtectHome= hides anything below /home and /root from the service.
readonly DOTNET=/usr/bin/dotnet
readonly DOTNET_MAJOR=10

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly script_dir
repo_root=$(cd -- "$script_dir/../.." && pwd)
readonly repo_root

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: sudo $0 [--no-start] [PUBLISH_DIR]

Installs or updates the farm gateway as the systemd service $SERVICE.
  PUBLISH_DIR   output of 'dotnet publish src/Gateway -c Release -o PUBLISH_DIR';
                default: publish $repo_root now (needs the .NET $DOTNET_MAJOR SDK)
  --no-start    install and enable, but do not start (a running gateway is stopped for the update)
EOF
}

dotnet_help() {
  cat >&2 <<EOF

The gateway needs the .NET $DOTNET_MAJOR runtime (Microsoft.NETCore.App $DOTNET_MAJOR.x) at $DOTNET.
On Raspberry Pi OS 64-bit / Debian 12 (arm64 or x64), from Microsoft's package feed:
  wget https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb
  sudo dpkg -i packages-microsoft-prod.deb && sudo apt-get update
  sudo apt-get install -y dotnet-runtime-$DOTNET_MAJOR.0      (or dotnet-sdk-$DOTNET_MAJOR.0 to build on the Pi)
or system-wide with Microsoft's install script (not into ~/.dotnet: the service cannot see /home):
  curl -sSLO https://dot.net/v1/dotnet-install.sh
  sudo bash dotnet-install.sh --channel $DOTNET_MAJOR.0 --runtime dotnet --install-dir /usr/share/dotnet
  sudo ln -sf /usr/share/dotnet/dotnet $DOTNET
  sudo apt-get install -y libicu72     (the runtime needs ICU; the packages pull it in themselves)
Details: docs/operations.md, section "Install".
EOF
}

# ---- arguments --------------------------------------------------------------------------
start=yes
publish_dir=
while (($# > 0)); do
  case $1 in
    --no-start) start=no ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option: $1" ;;
    *)
      [[ -z $publish_dir ]] || die "only one PUBLISH_DIR, got '$publish_dir' and '$1'"
      publish_dir=$1
      ;;
  esac
  shift
done

[[ $EUID -eq 0 ]] || die "must run as root: sudo $0 $*"
command -v systemctl >/dev/null || die "systemctl not found; this script installs a systemd service"

# ---- .NET -------------------------------------------------------------------------------
if [[ ! -x $DOTNET ]]; then
  other=$(command -v dotnet || true)
  if [[ -n $other && $other != "$DOTNET" ]]; then
    printf 'install.sh: error: dotnet is %s, but the service runs %s.\n' "$other" "$DOTNET" >&2
    printf 'If it is a system-wide install (not below /home or /root), link it: sudo ln -s %s %s\n' \
      "$(readlink -f "$other")" "$DOTNET" >&2
  else
    printf 'install.sh: error: %s not found (or not executable).\n' "$DOTNET" >&2
  fi
  dotnet_help
  exit 1
fi
dotnet_home=$(dirname -- "$(readlink -f "$DOTNET")")
case $dotnet_home/ in
  /home/* | /root/* | /run/user/*)
    printf 'install.sh: error: %s points into %s, which the service cannot see (ProtectHome=yes).\n' \
      "$DOTNET" "$dotnet_home" >&2
    dotnet_help
    exit 1
    ;;
esac
runtimes=$("$DOTNET" --list-runtimes 2>/dev/null || true)
if ! grep -q "^Microsoft\.NETCore\.App $DOTNET_MAJOR\." <<<"$runtimes"; then
  printf 'install.sh: error: %s has no .NET %s runtime. It has:\n%s\n' "$DOTNET" "$DOTNET_MAJOR" "${runtimes:-  (none)}" >&2
  dotnet_help
  exit 1
fi
say ".NET runtime: $(grep "^Microsoft\.NETCore\.App $DOTNET_MAJOR\." <<<"$runtimes" | tail -n 1)"

# ---- the build --------------------------------------------------------------------------
work_dir=$(mktemp -d)
cleanup() { rm -rf -- "$work_dir" "$INSTALL_DIR.new"; }
trap cleanup EXIT

if [[ -z $publish_dir ]]; then
  sdks=$("$DOTNET" --list-sdks 2>/dev/null || true)
  if ! grep -q "^$DOTNET_MAJOR\." <<<"$sdks"; then
    die "no PUBLISH_DIR given and no .NET $DOTNET_MAJOR SDK to build one. Either install dotnet-sdk-$DOTNET_MAJOR.0 here, or publish on another machine ('dotnet publish src/Gateway -c Release -o out'), copy 'out' to this one and run: sudo $0 out"
  fi
  [[ -f $repo_root/src/Gateway/Gateway.csproj ]] || die "no src/Gateway/Gateway.csproj below $repo_root; pass a PUBLISH_DIR"
  publish_dir=$work_dir/publish
  # Build as the owner of the checkout, so bin/ and obj/ in it do not end up owned by root.
  builder=$(stat -c %U -- "$repo_root")
  say "Publishing $repo_root/src/Gateway (Release) as user $builder"
  if [[ $builder == root ]]; then
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
      "$DOTNET" publish "$repo_root/src/Gateway" -c Release -o "$publish_dir"
  else
    chmod 0711 -- "$work_dir"
    install -d -o "$builder" -m 0700 -- "$publish_dir"
    builder_home=$(getent passwd "$builder" | cut -d: -f6)
    runuser -u "$builder" -- env HOME="$builder_home" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
      "$DOTNET" publish "$repo_root/src/Gateway" -c Release -o "$publish_dir"
  fi
fi
[[ -d $publish_dir ]] || die "PUBLISH_DIR '$publish_dir' is not a folder"
publish_dir=$(cd -- "$publish_dir" && pwd)
for required in FarmGateway.dll FarmGateway.runtimeconfig.json FarmGateway.deps.json appsettings.json; do
  [[ -f $publish_dir/$required ]] ||
    die "$publish_dir has no $required; is it the output of 'dotnet publish src/Gateway -c Release -o DIR'?"
done

# ---- user and groups --------------------------------------------------------------------
if ! getent group "$SERVICE_USER" >/dev/null; then
  say "Creating system group $SERVICE_USER"
  groupadd --system "$SERVICE_USER"
fi
if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
  say "Creating system user $SERVICE_USER (no home, no login)"
  useradd --system --gid "$SERVICE_USER" --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "Farm gateway service" "$SERVICE_USER"
fi
# The unit's SupplementaryGroups= fails the start (216/GROUP) if a group is missing. Raspberry
# Pi OS has both; plain Debian has neither.
for group in "${DEVICE_GROUPS[@]}"; do
  if ! getent group "$group" >/dev/null; then
    say "Creating system group $group"
    groupadd --system "$group"
  fi
done
usermod --append --groups "$(IFS=,; echo "${DEVICE_GROUPS[*]}")" "$SERVICE_USER"

# ---- stop a running gateway before its files are replaced -------------------------------
# .NET loads assemblies lazily: a running old version must not find new files under its feet.
was_active=no
if systemctl is-active --quiet "$SERVICE"; then
  was_active=yes
  say "Stopping the running $SERVICE for the update"
  systemctl stop "$SERVICE"
fi

# ---- the program ------------------------------------------------------------------------
# Owned by root, readable by the service's group, writable by nobody else: the service cannot
# change its own program (and ProtectSystem=strict makes /opt read-only for it anyway).
say "Installing the program to $INSTALL_DIR"
rm -rf -- "$INSTALL_DIR.new"
cp -R -- "$publish_dir" "$INSTALL_DIR.new"
chown -R "root:$SERVICE_USER" "$INSTALL_DIR.new"
find "$INSTALL_DIR.new" -type d -exec chmod 0750 {} +
find "$INSTALL_DIR.new" -type f -exec chmod 0640 {} +
# Swap whole folders, so files a new version no longer ships do not linger.
if [[ -e $INSTALL_DIR ]]; then
  rm -rf -- "$INSTALL_DIR.old"
  mv -- "$INSTALL_DIR" "$INSTALL_DIR.old"
fi
mv -- "$INSTALL_DIR.new" "$INSTALL_DIR"
rm -rf -- "$INSTALL_DIR.old"

# ---- the machine's configuration --------------------------------------------------------
# The folder matches the unit's ConfigurationDirectory= (root-owned, 0755); the file carries
# the protection. An existing file is the technician's: never overwritten.
install -d -o root -g root -m 0755 -- "$CONFIG_DIR"
if [[ -e $CONFIG_DIR/appsettings.json ]]; then
  say "Keeping the existing $CONFIG_DIR/appsettings.json"
  if ! runuser -u "$SERVICE_USER" -- test -r "$CONFIG_DIR/appsettings.json"; then
    printf 'install.sh: warning: %s is not readable by %s; the gateway will stop with exit code 78. Fix: sudo chown root:%s %s && sudo chmod 0640 %s\n' \
      "$CONFIG_DIR/appsettings.json" "$SERVICE_USER" "$SERVICE_USER" "$CONFIG_DIR/appsettings.json" "$CONFIG_DIR/appsettings.json" >&2
  fi
else
  say "Installing the example $CONFIG_DIR/appsettings.json (edit it for this barn)"
  install -o root -g "$SERVICE_USER" -m 0640 -- "$script_dir/appsettings.machine.json" "$CONFIG_DIR/appsettings.json"
fi

# Secrets for the cloud uplinks: read by systemd (EnvironmentFile=), root-only. Never overwritten.
if [[ ! -e $CONFIG_DIR/environment ]]; then
  say "Installing $CONFIG_DIR/environment (root-only; for AWS keys or the API key)"
  install -o root -g root -m 0600 -- "$script_dir/environment.example" "$CONFIG_DIR/environment"
fi

# ---- the unit ---------------------------------------------------------------------------
say "Installing $UNIT_FILE"
install -o root -g root -m 0644 -- "$script_dir/farm-gateway.service" "$UNIT_FILE"
systemctl daemon-reload
systemctl enable --quiet "$SERVICE"

if [[ $start == yes ]]; then
  say "Starting $SERVICE"
  # Type=notify: this returns once the gateway said READY=1, or fails if it exited.
  if ! systemctl start "$SERVICE"; then
    systemctl --no-pager --lines=0 status "$SERVICE" >&2 || true
    journalctl --no-pager --unit "$SERVICE" --lines 20 >&2 || true
    die "$SERVICE did not start; the log lines above say why (exit code 78 = fix the configuration, then: sudo systemctl restart $SERVICE)"
  fi
elif [[ $was_active == yes ]]; then
  say "Not starting (--no-start): the gateway stays stopped until: sudo systemctl start $SERVICE"
fi

cat <<EOF

Installed $SERVICE.
  status:        systemctl status $SERVICE
  follow logs:   journalctl -u $SERVICE -f
  problems only: journalctl -u $SERVICE -p warning
  configuration: sudoedit $CONFIG_DIR/appsettings.json, then: sudo systemctl restart $SERVICE
  records:       sudo ls -l /var/lib/farm-gateway/outbox
EOF
if [[ $start == no ]]; then
  echo "  start it:      sudo systemctl start $SERVICE   (it also starts at every boot)"
fi
