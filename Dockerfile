# syntax=docker/dockerfile:1
# byok relay image: `docker build -t byok-relay .` then
#   docker run -p 3000:3000 -v byok-data:/data -e ENCRYPTION_SECRET=… -e ALLOWED_ORIGINS=https://app.example.com byok-relay
# No Docker engine runs in this repository's CI: relay/test/deploy-files.test.ts checks this file statically, and
# the build steps below are the same pnpm commands docs/deploy.md uses for a bare-metal install.

# ---- build: compile TypeScript and assemble a production-only copy of @byok/relay ----
FROM node:20.20.2-bookworm-slim AS build
# better-sqlite3 is compiled from source (pnpm-workspace.yaml: onlyBuiltDependencies).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifests first, so the dependency layer is cached until a manifest or the lockfile changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY relay/package.json relay/
COPY mcp/package.json mcp/
COPY cli/package.json cli/
COPY cli/create-byok/package.json cli/create-byok/
COPY test/package.json test/
COPY test/support/package.json test/support/
COPY templates/client/package.json templates/client/
RUN npx -y pnpm@12.4.2 install --frozen-lockfile --filter @byok/relay --filter byok-monorepo
COPY relay/ relay/
RUN npx -y pnpm@12.4.2 --filter @byok/relay run build \
 && npx -y pnpm@12.4.2 --filter @byok/relay deploy --prod /out/relay

# ---- runtime: node, the compiled relay and its production dependencies, nothing else ----
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DB_PATH=/data/relay.db
WORKDIR /app
COPY --from=build --chown=root:root /out/relay /app/relay
# The database lives on a volume owned by the unprivileged `node` user (uid 1000) of the base image.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME ["/data"]
EXPOSE 3000
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same V8 flags as the byok-relay bin's shebang (measured with `pnpm bench`, see the README).
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=4", "relay/dist/bin/byok-relay.js"]
