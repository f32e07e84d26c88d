# syntax=docker/dockerfile:1
# Anlaufstelle: the bot in a slim, non-root image. Build: docker build -t anlaufstelle .
# With PostgreSQL beside it: docker compose up -d --build (see docker-compose.yml and the README's production section).
#
# Both stages use the same base image, so the venv's python symlinks stay valid when copied across.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: venv with the pinned dependencies, the app, compiled catalogs ---------------------------------
FROM ${PYTHON_IMAGE} AS build

# The pip that the Makefile and requirements.lock use.
ARG PIP_VERSION=26.3
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv \
 && pip install "pip==${PIP_VERSION}"

WORKDIR /app

# Runtime dependencies first, in a layer of their own, so that a code change does not reinstall them.
# They are the [project] dependencies of pyproject.toml, held to the versions in requirements.lock
# (the lock also lists the test tools; they are not installed here).
COPY pyproject.toml requirements.lock ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/runtime-requirements.txt \
 && pip install -r /tmp/runtime-requirements.txt -c requirements.lock

COPY . .
# Installed in place (editable) from /app, so the code runs from the source tree: bot/i18n.py finds the
# catalogs as ../locales beside the packages, exactly as in a checkout. /app and /opt/venv keep their paths
# in the runtime stage, which the editable install relies on.
RUN pip install --no-deps -e . -c requirements.lock \
 && if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
        pybabel compile -d locales -D messages; \
    else \
        echo "no locales/*/LC_MESSAGES/messages.po: no catalogs compiled"; \
    fi \
 && python -m compileall -q /app \
 && rm -rf /app/var

# --- runtime -----------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 anlaufstelle \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin anlaufstelle

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

COPY --from=build /opt/venv /opt/venv
# The code stays root-owned and read-only for the bot; only var/ is its own.
COPY --from=build /app /app
WORKDIR /app
RUN mkdir -p /app/var && chown anlaufstelle:anlaufstelle /app/var && chmod 700 /app/var

USER anlaufstelle
# The default SQLite database and a generated SECRET_KEY live here (VAR_DIR=var, relative to /app).
# A new named volume takes this directory's owner (uid 10001); a bind mount must be chown'ed to 10001.
VOLUME /app/var

# No HEALTHCHECK: `anlaufstelle check` asks Telegram (getMe, getChat, getChatMember) and is meant for an admin
# after a change, not every minute. The bot stops itself when it loses its database lease or cannot poll.
# Webhook mode (`run --webhook URL`) listens on WEBHOOK_LISTEN:WEBHOOK_PORT (set WEBHOOK_LISTEN=0.0.0.0 here
# and publish the port to the TLS proxy only).
EXPOSE 8081

ENTRYPOINT ["anlaufstelle"]
CMD ["run"]
