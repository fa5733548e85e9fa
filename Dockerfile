# Production image: gunicorn serves the web app, the same image runs the Celery worker and beat
# (see docker-compose.yml). Build: docker build -t retention-crm .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Dependencies first, so code changes reuse this layer.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (var/staticfiles, served by WhiteNoise).
# collectstatic loads the production settings, which refuse to start without a 50+ character
# secret key; this throwaway one exists only for this command and is not kept in the image.
RUN DJANGO_SETTINGS_MODULE=crm.settings.production \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-key-never-used-to-sign-anything-0123456789 \
    python manage.py collectstatic --noinput \
 && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home crm \
 && mkdir -p var/beat \
 && chown -R crm:crm var

USER crm
ENV DJANGO_SETTINGS_MODULE=crm.settings.production
EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
