# syntax=docker/dockerfile:1
# Taskwire: a small, non-root image. Build: docker build -t taskwire .
# Reference deployment (2 replicas + PostgreSQL + nginx): docker compose up (compose.yaml, README "Scale out").

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# `prepare` builds dist/; then drop the dev dependencies.
RUN npm install --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    TASKWIRE_HOST=127.0.0.1 \
    TASKWIRE_PORT=8765 \
    TASKWIRE_DB=/data/taskwire.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
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
