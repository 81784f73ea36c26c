# One image for every role of the distributed mode: web, worker, scheduler (see docs/deploy.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 YOOINI_VAR_DIR=/var/lib/yooini
WORKDIR /app
# The whole project (.dockerignore leaves out what is local to a checkout): a package added
# later cannot be forgotten here.
COPY . .
RUN pip install --no-cache-dir '.[postgres,s3,openai,anthropic]' && mkdir -p /var/lib/yooini
EXPOSE 8000
CMD ["yooini", "worker"]
