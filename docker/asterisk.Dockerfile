# Asterisk 22 from Debian sid (the packages the embedded setup bootstraps), plus
# the platform's renderer, so the config comes from the same templates.
FROM debian:sid-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en-gsm asterisk-moh-opsound-gsm \
      python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/contactcenter
COPY pyproject.toml README.md ./
COPY contactcenter ./contactcenter
COPY crm_core ./crm_core
COPY asterisk ./asterisk
# editable: the Asterisk templates in ./asterisk are read from the source tree
RUN python3 -m venv /opt/cc && /opt/cc/bin/pip install --no-cache-dir -e .
ENV PATH=/opt/cc/bin:$PATH
# Fresh secrets on every start, written to the shared runtime volume for the app.
CMD ["sh", "-c", "contactcenter asterisk render --config config/production.yaml && exec asterisk -C \"$CC_ASTERISK_RUNTIME_DIR/etc/asterisk.conf\" -f"]
