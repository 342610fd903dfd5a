# syntax=docker/dockerfile:1
# The Peeker pending-actions bot as a container. Written from the official Node.js image documentation
# (docker-library "node": the non-root `node` user, `NODE_ENV=production`, `CMD ["node", …]` in exec form) and
# not built on the machine it was written on (no Docker daemon there); what could be checked without one is
# listed in the README ("Deploying" → "Container").
#
#   docker build -t peeker-bot .
#   docker run --env-file .env -e DATABASE_URL=postgres://… -p 3000:3000 peeker-bot

ARG NODE_VERSION=20

# ---- build: the full install (TypeScript), then `npm run build` → dist/ (application + migrations) ----------
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
COPY migrations migrations
RUN npm run build

# ---- runtime: production dependencies only, the compiled bot, a non-root user -------------------------------
FROM node:${NODE_VERSION}-slim AS runtime
# NODE_ENV=production: npm skips dev dependencies, and the bot refuses to start without DATABASE_URL rather
# than keep its data in an embedded database inside the container (lost on every redeploy).
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --chown=node:node --from=build /app/dist ./dist
# The image's own `node` user (uid 1000): no root inside the container.
USER node
EXPOSE 3000
# /readyz = the database answers and every migration is applied. node:*-slim has no curl: node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node itself as the process: SIGTERM from `docker stop` reaches the bot's own handler (drain, stop
# in order, exit 0) instead of an npm or shell wrapper that would not forward it.
CMD ["node", "dist/main.js", "start"]
