# syntax=docker/dockerfile:1
# The production image: one image for the web app (gunicorn), the Celery workers and beat, and
# the one-shot migrate job (see docker-compose.yml). Configured entirely by environment variables.

# --- GOV.UK Frontend assets: npm ci from the lock file, then compile into static_build/ --------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ frontend/
RUN npm run build

# --- The application ----------------------------------------------------------------------------
FROM python:3.11-slim AS app

# The code runs from /app, not from site-packages: the settings find templates/ and
# static_build/ beside the packages. gunicorn reads its worker count from WEB_CONCURRENCY
# (override it in .env).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=virtualschool.settings.production \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 virtualschool \
    && useradd --system --uid 10001 --gid virtualschool --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin virtualschool

WORKDIR /app

# Runtime dependencies only (not the dev extras), at the exact versions in constraints.txt. This
# layer is rebuilt only when pyproject.toml or constraints.txt change.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt --constraint constraints.txt \
    && rm /tmp/requirements.txt

COPY manage.py ./
COPY virtualschool/ virtualschool/
COPY records/ records/
COPY sharing/ sharing/
COPY retention/ retention/
COPY templates/ templates/
# The import formats, which the upload page links to (settings.IMPORT_FORMATS_DIR).
COPY docs/imports/ docs/imports/
COPY --from=assets /build/static_build/ static_build/

# Static files are collected (hashed and compressed for WhiteNoise) at build time. The secret key
# and database URL here exist only for this step: collectstatic reads neither, but the settings
# refuse to load without them. The real values come from .env at run time.
RUN SECRET_KEY=collectstatic-only-not-secret \
    DATABASE_URL=postgresql://collectstatic@localhost/collectstatic \
    python manage.py collectstatic --noinput --verbosity 0

# Celery beat keeps its last-run times here (a named volume in docker-compose.yml).
RUN mkdir -p /var/lib/celery /var/lib/virtualschool/imports /var/lib/virtualschool/extracts \
    && chown virtualschool:virtualschool /var/lib/celery /var/lib/virtualschool/imports \
        /var/lib/virtualschool/extracts

USER virtualschool
EXPOSE 8000

# /healthz answers 200 when the database answers (503 when it does not). The Host header is the
# first of ALLOWED_HOSTS so Django accepts the request; X-Forwarded-Proto says it came over HTTPS,
# as it would from the load balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = next((h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')), 'localhost'); urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

CMD ["gunicorn", "virtualschool.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--timeout", "60", "--graceful-timeout", "30"]
