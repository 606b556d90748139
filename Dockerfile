# syntax=docker/dockerfile:1
# One image for both processes:
#   api     node dist/api/main.js      (the default CMD)
#   worker  node dist/worker/main.js

# --- build: all dependencies, compile TypeScript to dist/ ------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- deps: production dependencies only --------------------------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# --- runtime -----------------------------------------------------------------------------------
FROM node:24-slim
ENV NODE_ENV=production
# Heap and malloc sized for what the processes keep live rather than for the host's memory
# (config/nodeRuntime.ts says why and what was measured; a test keeps the two in step).
ENV NODE_OPTIONS="--max-old-space-size=1024 --max-semi-space-size=8" MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The console's and the public report's pages, served by the api as static files.
COPY --chown=node:node web ./web
COPY --chown=node:node package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
