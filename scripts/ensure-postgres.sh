#!/usr/bin/env bash
# ensure-postgres.sh makes the local PostgreSQL 15 cluster answer at
# 127.0.0.1:5432 for the PostgreSQL backend's tests: it installs Debian's
# postgresql-15 when missing, creates the "main" cluster when there is none,
# lets the postgres user in from 127.0.0.1 without a password (a test
# machine only) and starts the cluster. CI runs as root; elsewhere it uses
# sudo when it can.
set -euo pipefail

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "ensure-postgres: not root and no sudo: run 'apt-get install -y postgresql-15' and start the cluster as root" >&2
		exit 1
	fi
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql/15 ]; then
	echo "ensure-postgres: installing Debian's postgresql-15" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
	$sudo pg_createcluster 15 main >/dev/null
fi
hba=/etc/postgresql/15/main/pg_hba.conf
if ! $sudo grep -Eq '^host +all +(all|postgres) +127.0.0.1/32 +trust' "$hba"; then
	# First match wins: put the test line before the defaults.
	$sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
	$sudo pg_ctlcluster --skip-systemctl-redirect 15 main reload 2>/dev/null || true
fi
if ! pg_lsclusters -h | grep -q '^15 *main *5432 *online'; then
	$sudo pg_ctlcluster --skip-systemctl-redirect 15 main start
fi
