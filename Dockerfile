# The Kestra worker image: the official Kestra image plus Python and Conversa, so flows run
# `conversa …` with shell.Commands on the Process task runner — no container per message.
# KESTRA_VERSION is the version whose engine runs these flows in the test suite (tests/kestra).
ARG KESTRA_VERSION=v2.0.0
FROM kestra/kestra:${KESTRA_VERSION}

# Packages need root; the official compose file runs Kestra as root too.
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
        tesseract-ocr tesseract-ocr-por \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md /opt/conversa-src/
COPY app /opt/conversa-src/app
COPY bin /opt/conversa-src/bin
RUN python3 -m venv /opt/conversa \
 && /opt/conversa/bin/pip install --no-cache-dir '/opt/conversa-src[real]' \
 && /opt/conversa/bin/conversa --help > /dev/null \
 && test -f /opt/conversa/bin/conversa-env

# The Process task runner inherits the worker's PATH: `conversa` is found there.
ENV PATH=/opt/conversa/bin:$PATH
