# syntax=docker/dockerfile:1
# Taskwire: a small, non-root image. Build: docker build -t taskwire .
# Reference deployment (2 replicas + PostgreSQL + nginx): docker compose up (compose.yaml, README "Scale out").
#
# The image runs exactly the npm package: the build stage packs the tarball (`npm pack`, the files that
# package.json "files" lists), and the runtime stage holds that tarball's contents plus `npm ci --omit=dev`
# from the lock file. test/distribution/docker.test.ts checks both file sets without a Docker engine.

# Node 22 (22.14+: Node-API 10) runs better-sqlite3 13, whose npm package carries the binary: no compiler, no
# download. better-sqlite3 12 (the optional dependency Node 20 needs) is installed unbuilt and never loaded.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json README.md LICENSE server.json ./
COPY src ./src
COPY assets ./assets
# npm run build bundles the CLI after tsc.
COPY scripts/bundle-cli.mjs ./scripts/
# Scripts off (nothing here needs one: better-sqlite3 13 has none), then build dist/; then pack what npm users
# get and unpack it as the app.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/taskwire-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/
WORKDIR /app
# Production dependencies from the lock; scripts off (no `prepare`: no TypeScript here; the SQLite driver needs
# none on Node 22).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm package-lock.json \
 && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    TASKWIRE_HOST=127.0.0.1 \
    TASKWIRE_PORT=8765 \
    TASKWIRE_DB=/data/taskwire.db
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data && chown node:node /data
# The official image's unprivileged user (uid 1000).
USER node
VOLUME ["/data"]
EXPOSE 8765
# Liveness only (/healthz); /readyz (database reachable) is for the load balancer / orchestrator.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TASKWIRE_PORT||8765)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
