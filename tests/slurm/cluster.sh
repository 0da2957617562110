#!/usr/bin/env bash
# Single-node SLURM test cluster (Debian slurm-wlm 22.05 + munge), run as root.
#
#   tests/slurm/cluster.sh start    install if missing, start, wait until the node is idle
#   tests/slurm/cluster.sh stop     stop exactly the daemons this script started (by PID),
#                                   remove the /etc/slurm/slurm.conf it wrote
#   tests/slurm/cluster.sh status   show daemons and sinfo
#
# State (config, pid files, logs, spool) lives in ${SLURM_TEST_DIR:-/tmp/cotorder-slurm}.
#
# Config location: the config is written to $STATE/slurm.conf and copied to
# /etc/slurm/slurm.conf, the path Debian's binaries use when SLURM_CONF is unset.
# The copy is what makes plain `sbatch`/`squeue` (and so snakemake's slurm
# plugin, which shells out to them) work without any environment tweaks;
# exporting SLURM_CONF=$STATE/slurm.conf is equivalent. The daemons are given
# the config explicitly (-f). An /etc/slurm/slurm.conf not written by this
# script is never overwritten: start fails instead. stop removes the copy again
# (see remove_etc_conf).
set -euo pipefail

STATE=${SLURM_TEST_DIR:-/tmp/cotorder-slurm}
CONF=$STATE/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf
MARKER="# written by tests/slurm/cluster.sh"
NODE=$(hostname -s)
MUNGE_PID=/run/munge/munged.pid   # munged's default pid file
DAEMONS=(munged slurmctld slurmd) # start order; stopped in reverse

log() { echo "cluster.sh: $*" >&2; }

pidfile() { echo "$STATE/$1.pid"; }

# PID recorded for daemon $1 if that process is alive, else nothing.
live_pid() {
    local f pid
    f=$(pidfile "$1")
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

node_idle() {
    [[ $(sinfo -h -n "$NODE" -o %t 2>/dev/null) == idle ]]
}

install_packages() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v sbatch >/dev/null && command -v munged >/dev/null && return 0
    log "installing slurmctld slurmd slurm-client munge"
    # Keep apt's maintainer scripts from starting munge/slurm services (docker
    # images usually already ship this policy; we add it only temporarily).
    local policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT # also on failure
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

write_conf() {
    # Hardware line as slurmd sees it, e.g. "CPUs=2 Boards=1 SocketsPerBoard=1
    # CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105" (drop NodeName, UpTime).
    local hw
    hw=$(slurmd -C | head -1 | tr ' ' '\n' | grep -Ev '^(NodeName|UpTime)=' | tr '\n' ' ')
    mkdir -p "$STATE/spool" "$STATE/ctld"
    cat >"$CONF" <<EOF
$MARKER
ClusterName=cotorder
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$(pidfile slurmctld)
SlurmdPidFile=$(pidfile slurmd)
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# no cgroups in containers/VMs without systemd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# no slurmdbd: sacct does not work, use squeue for job status
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# keep finished jobs visible to squeue for 10 min (snakemake polls with squeue)
MinJobAge=600
# a restarted slurmd makes its node usable again instead of DOWN
ReturnToService=2
MailProg=/bin/true
# no GresTypes/Gres: this node has no GPU
NodeName=$NODE NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    mkdir -p "$(dirname "$ETC_CONF")"
    if [[ -e $ETC_CONF ]] && ! grep -qxF "$MARKER" "$ETC_CONF"; then
        log "$ETC_CONF exists and was not written by this script; refusing to overwrite it"
        exit 1
    fi
    cp "$CONF" "$ETC_CONF"
}

start_munged() {
    live_pid munged >/dev/null && return 0
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating munge key"
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    rm -f "$MUNGE_PID"
    runuser -u munge -- munged   # daemonizes, writes $MUNGE_PID
    for _ in $(seq 50); do [[ -s $MUNGE_PID ]] && break; sleep 0.1; done
    cp "$MUNGE_PID" "$(pidfile munged)"
}

# slurmctld/slurmd daemonize themselves and write the pid files named in slurm.conf.
# slurmctld gets -c (discard saved jobs and node state): otherwise it restores
# the node as "idle" before slurmd has re-registered and start returns too early.
start_slurm_daemon() {
    local name=$1 f
    shift
    live_pid "$name" >/dev/null && return 0
    f=$(pidfile "$name")
    rm -f "$f"
    "$name" -f "$CONF" "$@"
    for _ in $(seq 100); do [[ -s $f ]] && return 0; sleep 0.1; done
    log "$name did not write $f; see $STATE/$name.log"
    exit 1
}

start() {
    export SLURM_CONF=$CONF
    if live_pid munged >/dev/null && live_pid slurmctld >/dev/null &&
        live_pid slurmd >/dev/null && node_idle; then
        log "already running"
    else
        install_packages
        write_conf
        start_munged
        start_slurm_daemon slurmctld -c
        start_slurm_daemon slurmd
        log "waiting for node $NODE to become idle"
        local t=0
        until node_idle; do
            if ((t++ >= 60)); then
                log "node not idle after 60 s: $(sinfo -h -N -o '%N %t %E' 2>&1 || true)"
                exit 1
            fi
            sleep 1
        done
    fi
    sinfo
    echo "export SLURM_CONF=$CONF"
}

stop() {
    local i name pid
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
        name=${DAEMONS[i]}
        if pid=$(live_pid "$name"); then
            kill "$pid"
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then
                log "$name ($pid) ignored SIGTERM for 10 s, sending SIGKILL"
                kill -9 "$pid"
            fi
            log "stopped $name ($pid)"
        fi
        rm -f "$(pidfile "$name")"
    done
    remove_etc_conf
}

# Once no controller runs, a leftover $ETC_CONF makes every SLURM client wait for it:
# `scontrol show config` gives up after 9 s, and snakemake's slurm plugin runs it on
# import, i.e. at every snakemake start. Without the file it fails at once.
remove_etc_conf() {
    if [[ -e $ETC_CONF ]] && grep -qxF "$MARKER" "$ETC_CONF"; then
        rm -f "$ETC_CONF"
    fi
}

status() {
    local name rc=0
    for name in "${DAEMONS[@]}"; do
        if pid=$(live_pid "$name"); then echo "$name running ($pid)"; else echo "$name not running"; rc=1; fi
    done
    SLURM_CONF=$CONF sinfo 2>&1 || rc=1
    return $rc
}

case ${1:-} in
    start | stop | status) "$1" ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
