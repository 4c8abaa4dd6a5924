# migration-api container image.
#
#   docker build -t migration-api:$(git rev-parse HEAD) .
#   podman build --format docker --build-arg BASE_IMAGE=localhost/debian:bookworm .   (offline)
#
# Stages: `build` compiles with the project's own dependency script and CMake release preset;
# `runtime-root` installs the runtime packages from the same script and copies out of them
# only what the service needs (the binary, the shared libraries it and curl link against, CA
# certificates, tini, curl for HEALTHCHECK, the dpkg records of those packages so scanners
# such as Trivy still see them); the final `runtime` image holds just that tree: no shell, no
# package manager, ~27 MB.
#
# BASE_IMAGE is an argument so an offline build can pass a locally bootstrapped Debian 12
# (scripts/check-deploy/base-image.sh makes localhost/debian:bookworm); both stages that start
# from a distribution use it, so the libraries copied are those the build linked against.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The dependency script alone first: this layer is reused until the script changes.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh --compile && rm -rf /var/lib/apt/lists/*
# What the binary is built from, by name: files the context holds for later stages (the RDS CA
# bundle) must not invalidate this stage's cache.
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY src src
COPY web web
# Only the binary: tests are built and run by `make test` outside the image. ccache's folder
# is a build cache mount, so a rebuild after a small source change recompiles only that file.
# The build runs `npm ci` for the /ui web app and for the /docs page's Swagger UI
# (web/ui/package-lock.json, web/docs/package-lock.json, from the npm registry; Node.js and npm
# come from Debian through install-deps.sh --compile); npm's download cache is a cache mount too.
# Nothing of Node reaches the runtime image: both are embedded in the binary.
# Behind a TLS-inspecting proxy, pass its CA bundle as the optional build secret npm_ca
# (`--secret id=npm_ca,src=FILE`; scripts/check-deploy.sh passes the machine's npm cafile):
# mounted for this step only, never stored in a layer.
RUN --mount=type=cache,target=/root/.cache/ccache,id=migration-api-ccache \
    --mount=type=cache,target=/root/.npm,id=migration-api-npm \
    --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/npm_ca; fi \
 && cmake --preset release -DMIGRATION_TESTS=OFF \
 && cmake --build --preset release --target migration-api \
 && install -D --strip build/release/src/migration-api /out/usr/local/bin/migration-api

FROM ${BASE_IMAGE} AS runtime-root
ENV DEBIAN_FRONTEND=noninteractive
COPY scripts/install-deps.sh /tmp/install-deps.sh
COPY scripts/container-rootfs.sh /tmp/container-rootfs.sh
RUN /tmp/install-deps.sh --runtime \
 && apt-get install -y -qq --no-install-recommends tini curl
COPY --from=build /out/usr/local/bin/migration-api /usr/local/bin/migration-api
# Builds /rootfs and proves it complete: both programs start inside it (chroot), so a library
# missing from runtime_packages in scripts/install-deps.sh fails the build here.
RUN /tmp/container-rootfs.sh /rootfs /usr/local/bin/migration-api /usr/bin/curl /usr/bin/tini-static
# The Amazon RDS CA bundle, for the deployments' sslmode=verify-full (Aurora's certificates chain
# to Amazon's own RDS CAs, in no public trust store). The release fetches and checks it first
# (scripts/fetch-rds-ca-bundle.sh) and builds with REQUIRE_RDS_CA=1, so a release image never
# lacks it; a local build may go without (infrastructure/rds-ca/README.md).
ARG REQUIRE_RDS_CA=0
COPY infrastructure/rds-ca/ /tmp/rds-ca/
RUN if [ -s /tmp/rds-ca/global-bundle.pem ]; then \
      install -D -m 0644 /tmp/rds-ca/global-bundle.pem /rootfs/etc/ssl/certs/rds-global-bundle.pem; \
    elif [ "$REQUIRE_RDS_CA" = 1 ]; then \
      echo "infrastructure/rds-ca/global-bundle.pem is missing: run scripts/fetch-rds-ca-bundle.sh" >&2; exit 1; \
    fi

FROM scratch AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="migration-api" \
      org.opencontainers.image.description="CSV to SQL migration service with a REST API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"
COPY --from=runtime-root /rootfs/ /
# The working directory holds the default SQLite file and object folder (var/, owned by the
# service user); /tmp (SCRATCH_DIR) holds the scratch files of backups, restores and upload
# spools. They are the only places the process writes, and with a read-only root filesystem
# each is a mount: a VOLUME here, so a platform that mounts an empty volume on the path copies
# the image's folder with its owner (10001) and mode. Fargate (platform 1.4) makes a mount
# without a VOLUME root-owned 0755, unwritable to the service. Every mount point of the task
# definitions and manifests must be one of these (the deploy checks compare them).
WORKDIR /srv/migration-api
# ENVIRONMENT, DATABASE_URL, STORAGE_URL and the rest come from the deployment.
ENV PORT=8000 \
    LOG_FORMAT=json \
    SCRATCH_DIR=/tmp \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME ["/tmp", "/srv/migration-api/var"]
USER 10001:10001
EXPOSE 8000
STOPSIGNAL SIGTERM
# Exec form: there is no shell in the image. Keep the port in step with PORT if you change it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/usr/bin/curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/healthz"]
# tini as PID 1 forwards SIGTERM to the service (which drains in-flight requests, then exits 0)
# and reaps children; no shell sits between them.
ENTRYPOINT ["/usr/bin/tini-static", "--", "/usr/local/bin/migration-api"]
CMD ["serve"]
