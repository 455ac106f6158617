#!/bin/sh
# Run once by Patroni on the first primary: the application's role and database.
# $1: a connection string to the new cluster.
set -eu
psql "$1" -v ON_ERROR_STOP=1 -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE hotline LOGIN PASSWORD :'pw';
CREATE DATABASE hotline OWNER hotline;
SQL
