# Netral Telegram bot. Build: docker build -t netral .
# Run:   docker run -d --name netral -e TELEGRAM_BOT_TOKEN=... -v netral-data:/data netral
# Knowledge base from the host (read-only): add -v "$PWD/knowledge:/app/knowledge:ro"
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer: a source change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir bot && echo '"""placeholder"""' > bot/__init__.py \
    && pip install . \
    && pip uninstall -y netral \
    && rm -rf bot

COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin netral \
    && mkdir -p /data && chown netral /data

USER netral
VOLUME ["/data"]
ENV NETRAL_DB=/data/netral.sqlite3 \
    NETRAL_CACHE_DIR=/data/cache \
    NETRAL_KNOWLEDGE_DIR=/app/knowledge \
    NETRAL_LOG_LEVEL=INFO

# Fail the container's health when the knowledge base does not validate.
HEALTHCHECK --interval=5m --timeout=30s CMD netral validate /app/knowledge > /dev/null || exit 1

CMD ["netral", "run"]
