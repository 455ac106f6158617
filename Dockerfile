# One image for every role of the centre: API, RQ worker, sweeper, one-off admin commands.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# the monthly report's charts need a Chinese font, found through fontconfig (console_ui/monthly/charts.py)
RUN apt-get update && apt-get install -y --no-install-recommends fontconfig fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY dispatch ./dispatch
COPY hotline ./hotline
COPY classifiers ./classifiers
COPY channels ./channels
COPY console_ui ./console_ui
COPY sla ./sla
# the city folders (cities/<name>/), read at run time: HOTLINE_CITY picks one
COPY cities ./cities
ENV HOTLINE_CITIES_DIR=/app/cities
RUN pip install . boto3 && useradd --system --home /app hotline && mkdir -p /app/var && chown hotline /app/var
USER hotline
EXPOSE 8000
# proxy headers are believed from HOTLINE_TRUSTED_PROXIES only (hotline/cli.py)
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000"]
