#!/usr/bin/env bash
# Bootstrap a machine for nimbus: Debian packages, the local RabbitMQ,
# MariaDB and PostgreSQL, and the virtualenv in .venv.
#
# Meant for a fresh Debian 12 machine, as root, without systemd. Idempotent:
# a rerun on a machine that is already set up installs nothing and takes
# a few seconds. tools/run-tests and tools/quickstart call it first.
#
# Environment:
#   NIMBUS_SETUP_WAIT   seconds to wait for each service to answer (90)
#   PYTHON              interpreter that creates .venv (python3)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$REPO/.venv
# Services this script installed and has yet to open to the test suite.
PENDING=/var/lib/nimbus-setup
MARIADB_CNF=/etc/mysql/mariadb.conf.d/90-nimbus-setup.cnf
APT_LOG=/var/log/nimbus-setup-apt.log
STAMP=$VENV/.nimbus-setup-stamp
WAIT=${NIMBUS_SETUP_WAIT:-90}
PYTHON=${PYTHON:-python3}
export DEBIAN_FRONTEND=noninteractive
# Root's usual PATH; a login shell of another user may lack the sbin dirs.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
need_root() {
    [ "$(id -u)" = 0 ] || die "$1 needs root; rerun as root"
}

# One setup at a time per checkout (run-tests may be started twice). The
# services started below must not inherit this descriptor: they would hold
# the lock for as long as they run.
exec 9<"$REPO"
flock -w 900 9 || die "another tools/setup.sh has held $REPO for 15 minutes"

# --- Debian packages -------------------------------------------------------
# Each package is installed only when what we need from it is missing, so
# a machine that has everything never touches apt.
missing=()
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 \
    || missing+=(python3-venv)
"$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(
    os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    >/dev/null 2>&1 || missing+=(python3-dev)
have gcc || missing+=(gcc libc6-dev)
have pkg-config || missing+=(pkg-config)
have socat || missing+=(socat)
have ip || missing+=(iproute2)
have rabbitmq-server || missing+=(rabbitmq-server)
have mariadbd && have mariadb-admin || missing+=(mariadb-server)
have pg_ctlcluster && have pg_isready || missing+=(postgresql)
# Virtualisation: libvirt + QEMU (software emulation here), and
# libvirt-dev for building libvirt-python.
have qemu-system-x86_64 || missing+=(qemu-system-x86)
have qemu-img || missing+=(qemu-utils)
have libvirtd && have virtlogd || missing+=(libvirt-daemon-system)
have virsh || missing+=(libvirt-clients)
pkg-config --exists libvirt 2>/dev/null || missing+=(libvirt-dev)
# The headers mysqlclient (the C MariaDB driver) builds against.
pkg-config --exists libmariadb 2>/dev/null || missing+=(libmariadb-dev)
# Networking on the host: dnsmasq for DHCP, iptables for NAT and filters.
have dnsmasq || missing+=(dnsmasq-base)
# dhcp_release: force_dhcp_release ends a lease at once.
have dhcp_release || missing+=(dnsmasq-utils)
have iptables-restore || missing+=(iptables)
# Block storage: tgt exports volumes over iSCSI.
have tgtd || missing+=(tgt)
# The test guest image is made from Debian's kernel and busybox.
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing+=(linux-image-amd64)
# It must be the static busybox: Debian's dynamic one (package busybox)
# has the same applets but cannot run alone in the guest; ldd succeeds
# only on a dynamic executable.
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
    missing+=(busybox-static)
fi
have cpio || missing+=(cpio)
# Its disk is a FAT filesystem made with mtools, booted by syslinux.
have syslinux || missing+=(syslinux)
have mformat && have mcopy || missing+=(mtools)
# virt-xml-validate (libvirt-clients) needs xmllint to check domain XML.
have xmllint || missing+=(libxml2-utils)

if [ ${#missing[@]} -gt 0 ]; then
    need_root "installing ${missing[*]}"
    say "apt-get install ${missing[*]}"
    apt_opts=(-q -o Dpkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    if ! { apt-get "${apt_opts[@]}" update &&
           apt-get "${apt_opts[@]}" install -y --no-install-recommends \
               "${missing[@]}"; } >"$APT_LOG" 2>&1; then
        tail -n 30 "$APT_LOG" >&2
        die "apt-get failed (full output in $APT_LOG)"
    fi
    have "$PYTHON" || die "$PYTHON not found after installing python3-venv"
    for pkg in mariadb-server postgresql; do
        case " ${missing[*]} " in
            *" $pkg "*) mkdir -p "$PENDING"; touch "$PENDING/$pkg" ;;
        esac
    done
else
    say "Debian packages: all present"
fi

# --- services --------------------------------------------------------------
# No systemd here: each service is started by hand when it does not answer,
# then we wait (bounded) until it does.

tcp_open() {  # host port
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
rabbitmq_up() { tcp_open 127.0.0.1 5672; }
mariadb_up() {
    # mariadb-admin ping exits 0 when the server answers, even when it
    # refuses our credentials.
    mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1
}
postgresql_up() { pg_isready -q -h 127.0.0.1 -p 5432 -t 2; }

start_rabbitmq() {
    # Do not start a second node while one is still booting.
    pgrep -f 'beam.*-s rabbit boot' >/dev/null && return 0
    rabbitmq-server -detached
}
start_mariadb() {
    # Debian's init script would create the socket directory; do it here.
    if [ ! -d /run/mysqld ]; then
        install -d -m 0755 -o mysql -g mysql /run/mysqld
    fi
    # mariadbd refuses to run as root, and Debian's own 50-server.cnf
    # leaves "user = mysql" commented out (its init script passes it).
    if ! my_print_defaults --mysqld | grep -q '^--user='; then
        say "mariadb: setting user = mysql in $MARIADB_CNF"
        printf '# Written by nimbus tools/setup.sh: mariadbd is started as\n# root without an init script.\n[mysqld]\nuser = mysql\n' \
            >"$MARIADB_CNF"
    fi
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}
start_postgresql() {
    local versions
    versions=$(ls /etc/postgresql)
    case $versions in
        ''|*[[:space:]]*)
            die "expected exactly one PostgreSQL cluster version in" \
                "/etc/postgresql, found: '${versions//$'\n'/ }'" ;;
    esac
    pg_ctlcluster --skip-systemctl-redirect "$versions" main start
}

ensure_service() {  # name
    local name=$1 i
    if "${name}_up"; then
        say "$name: running"
        return 0
    fi
    need_root "starting $name"
    say "$name: not answering, starting it"
    "start_$name" 9<&- || say "$name: start command failed; waiting anyway"
    for ((i = 0; i < WAIT; i++)); do
        if "${name}_up"; then
            say "$name: running (after ${i}s)"
            return 0
        fi
        sleep 1
    done
    die "$name did not answer within ${WAIT}s (NIMBUS_SETUP_WAIT);" \
        "see its log under /var/log, or start it in the foreground to see" \
        "why it stops"
}

# A server this script installed gets the access the test suite expects
# and that machines of the CI kind come with: MariaDB's root without a
# password from 127.0.0.1, PostgreSQL trusting local TCP connections. A
# server that was already there is left as it is.
open_postgresql() {
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf)
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
        say "postgresql: trusting local TCP connections ($hba)"
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        if postgresql_up; then
            pg_ctlcluster --skip-systemctl-redirect \
                "$(ls /etc/postgresql)" main reload
        fi
    fi
}
open_mariadb() {
    # A TCP client from 127.0.0.1 is root@localhost unless the server skips
    # name resolution, root@127.0.0.1 otherwise: open both.
    say "mariadb: root without a password from 127.0.0.1, database test"
    mariadb --protocol=socket -u root <<'SQL'
ALTER USER 'root'@'localhost'
    IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS test;
SQL
}

if [ -e "$PENDING/postgresql" ]; then open_postgresql; fi
ensure_service rabbitmq
ensure_service mariadb
ensure_service postgresql
if [ -e "$PENDING/mariadb-server" ]; then
    open_mariadb
    rm -f "$PENDING/mariadb-server"
fi
rm -f "$PENDING/postgresql"

# --- virtualenv -------------------------------------------------------------
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    if [ -e "$VENV" ]; then
        say "virtualenv: $VENV is broken, recreating it"
        "$PYTHON" -m venv --clear "$VENV"
    else
        say "virtualenv: creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    rm -f "$STAMP"
fi

# Reinstall only when what pip reads changed since the last good install.
want=$(cd "$REPO" && {
    "$VENV/bin/python" -c 'import sys; print(sys.version)'
    cat setup.cfg setup.py constraints.txt
} | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    say "virtualenv: up to date"
else
    say "virtualenv: pip install -c constraints.txt -e .[test]"
    log=$VENV/pip-install.log
    if ! (cd "$REPO" && "$VENV/bin/python" -m pip install -q \
            --disable-pip-version-check -c constraints.txt -e '.[test]') \
            >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "pip install failed (full output in $log)"
    fi
    echo "$want" >"$STAMP"
fi
say "done"
