# One image for every role of the distributed mode: web, worker, scheduler (see docs/deploy.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 YOOINI_VAR_DIR=/var/lib/yooini
WORKDIR /app
COPY pyproject.toml README.md ./
COPY yooini yooini
COPY orchestrator orchestrator
COPY source_data source_data
COPY suppliers suppliers
COPY markets markets
COPY pricing pricing
COPY media media
COPY ai ai
COPY pipelines pipelines
RUN pip install --no-cache-dir '.[postgres]' && mkdir -p /var/lib/yooini
EXPOSE 8000
CMD ["yooini", "worker"]
