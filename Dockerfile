# syntax=docker/dockerfile:1
#
# Production image for attendance-tracker: gunicorn on port 8000, whitenoise for
# static files. The same image runs the Celery worker and beat (see
# docker-compose.yml). Configuration comes from the environment; the image
# defaults to DEBUG=false, so SECRET_KEY and ALLOWED_HOSTS must be provided.

# ---- Front-end assets (GOV.UK Frontend compiled with dart-sass) -------------
FROM node:22-bookworm-slim AS assets
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --no-audit --no-fund
COPY frontend/ frontend/
COPY scripts/build-assets.sh scripts/
RUN bash scripts/build-assets.sh

# ---- Python dependencies (hash-locked) ---------------------------------------
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock

# ---- Runtime ------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint's native libraries, and fonts for the generated PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

COPY --from=python-deps /opt/venv /opt/venv

WORKDIR /app
# Application code stays owned by root (read-only for the app user).
COPY . .
COPY --from=assets /src/static/govuk/ static/govuk/

# Static files are collected at build time (into STATIC_ROOT, served by
# whitenoise); the key below exists only for this build step.
RUN SECRET_KEY=collectstatic-only-not-a-real-secret DEBUG=false ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
 && python -m compileall -q /app \
 && mkdir -p /app/media \
 && chown app:app /app/media

ENV DEBUG=false \
    MEDIA_ROOT=/app/media

USER app
EXPOSE 8000
CMD ["gunicorn", "attendance_tracker.wsgi:application", \
     "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
