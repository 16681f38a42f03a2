# The Kestra worker image: the official Kestra image plus Python and Conversa, so flows run
# `conversa …` with the Process task runner — no container started per WhatsApp message.
ARG KESTRA_VERSION=v2.0.5
FROM kestra/kestra:${KESTRA_VERSION}

USER root  # the official compose runs Kestra as root too
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
        tesseract-ocr tesseract-ocr-por \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md /opt/conversa-src/
COPY app /opt/conversa-src/app
RUN python3 -m venv /opt/conversa \
 && /opt/conversa/bin/pip install --no-cache-dir '/opt/conversa-src[real]' \
 && ln -s /opt/conversa/bin/conversa /usr/local/bin/conversa \
 && conversa --help > /dev/null


