# Kurz in a container: `docker build -t kurz .` (or podman), then `docker run -p 8080:8080 -v kurz-data:/data kurz`.
#
# NODE_VERSION: 22 by default. Node 20 reached end of life in April 2026 and gets no security fixes,
# so a network-facing image should not ship it; 22 is supported until April 2027 and satisfies
# package.json's engines (>=20). What CI and this repository's tests run is Node 20 (every dependency
# is pinned to versions that support 20); `--build-arg NODE_VERSION=20` builds the tested runtime.
# BASE: the image both stages start from; overridable so that a base built without a registry works
# (docs/OPERATIONS.md#deploy: how the image was built and run here with podman from a local root fs).
ARG NODE_VERSION=22
ARG BASE=node:${NODE_VERSION}-bookworm-slim

# Build: better-sqlite3 compiles from source (python3, make, g++) when no prebuilt binary for this
# Node ABI can be fetched; then the server (tsc) and the dashboard (vite), then the dev deps go.
FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Node's own headers (in every official image, under /usr/local/include/node): node-gyp compiles
# better-sqlite3 against them instead of downloading them from nodejs.org.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY web web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: no compiler, no dev deps, not root. Node is PID 1: Kurz installs its own SIGTERM and
# SIGINT handlers (src/server.ts), which a PID 1 does receive (only default actions are ignored),
# and it forks nothing it does not reap itself (--workers uses node:cluster), so no tini is needed.
FROM ${BASE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/data/kurz.db
# A fixed numeric uid, so that Kubernetes' runAsNonRoot can check it (deploy/k8s/).
RUN groupadd --system --gid 10001 kurz \
 && useradd --system --uid 10001 --gid kurz --home-dir /app --no-create-home --shell /usr/sbin/nologin kurz \
 && mkdir -p /data \
 && chown kurz:kurz /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
USER 10001:10001
# The SQLite database and, without JWT_SECRET, the generated secret (data/jwt-secret) live here.
VOLUME /data
EXPOSE 8080
# Liveness only (/healthz checks nothing but the process); slim images have no curl, Node has fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# `docker run kurz migrate`, `docker run kurz user list` …: the arguments are a kurz command.
ENTRYPOINT ["node", "--max-semi-space-size=32", "--max-old-space-size=1024", "dist/main.js"]
CMD ["serve"]
