FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client curl \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install .
RUN SECRET_KEY=build-only-not-secret DEBUG=0 ALLOWED_HOSTS=build python manage.py collectstatic --no-input \
    && useradd --system --home /app keystone && mkdir -p /app/var && chown keystone /app/var
USER keystone
EXPOSE 8000
CMD ["gunicorn", "keystone.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
