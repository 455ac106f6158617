# PostgreSQL 16 with Patroni (Debian's package), run as the postgres account.
FROM postgres:16-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends patroni \
    && rm -rf /var/lib/apt/lists/*
COPY patroni.yml /etc/patroni.yml
COPY post_bootstrap.sh /usr/local/bin/post_bootstrap.sh
USER postgres
EXPOSE 5432 8008
CMD ["patroni", "/etc/patroni.yml"]
