# The platform: the web API, the engine and the Asterisk config renderer.
FROM python:3.11-slim-bookworm
WORKDIR /srv/contactcenter
COPY pyproject.toml README.md ./
COPY contactcenter ./contactcenter
COPY crm_core ./crm_core
COPY asterisk ./asterisk
COPY config ./config
# editable: the Asterisk templates in ./asterisk are read from the source tree
RUN pip install --no-cache-dir -e .
ENTRYPOINT ["contactcenter"]
CMD ["serve", "--config", "config/production.yaml"]
