# caseflow image for docker-compose.yml: one image, three roles (web, worker, beat).
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CASEFLOW_VAR_DIR=/var/lib/caseflow STATIC_ROOT=/app/static
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/caseflow caseflow \
    && mkdir -p /var/lib/caseflow && chown caseflow /var/lib/caseflow
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are collected at build time; a throwaway key only for this step.
RUN DJANGO_DEBUG=1 CASEFLOW_VAR_DIR=/tmp/build STATIC_MANIFEST=1 python manage.py collectstatic --no-input \
    && chown -R caseflow /var/lib/caseflow
USER caseflow
EXPOSE 8000
CMD ["gunicorn", "--config", "caseflow/gunicorn.py", "caseflow.wsgi"]
