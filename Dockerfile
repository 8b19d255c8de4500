FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH DEBUG=false STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/media \
    PORTAL_VAR_DIR=/app/var
# WeasyPrint needs Pango for the PDFs; Noto CJK covers customers' Chinese, Japanese and Korean names.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-noto-cjk && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --compile-bytecode
COPY . .
# The production (manifest) storage, as at run time: every {% static %} then finds its hashed name.
# The placeholder settings only let the settings load; collectstatic opens no database.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build/build \
    PARTNER_CENTER_CLIENT_SECRET=collectstatic-only python manage.py collectstatic --noinput \
    && test -s /app/staticfiles/staticfiles.json
# The translation catalogs (.po -> .mo) with Babel: the image needs no gettext tools.
RUN SECRET_KEY=compile-only ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build/build \
    PARTNER_CENTER_CLIENT_SECRET=compile-only python manage.py compile_translations --force \
    && test -s /app/locale/zh_Hant/LC_MESSAGES/django.mo
# Named volumes mounted on these paths take their owner from the image: the portal user.
RUN useradd --create-home portal && mkdir -p /app/var /app/media && chown -R portal /app/var /app/media
USER portal
EXPOSE 8000
# exec form: gunicorn is PID 1 and receives SIGTERM for a graceful stop.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"]
