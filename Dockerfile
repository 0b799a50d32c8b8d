# SOP bot: compiled TypeScript on Node 20. Everything the service writes (the PGlite folder
# and the uploaded files under files/) lives in /app/data: mount one volume there, or set
# DATABASE_URL for a real PostgreSQL (compose.yaml does) and the volume keeps only the files.

# Compiles src/ with the dev dependencies (typescript); only dist/ leaves this stage.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, installed fresh rather than pruned from the build stage.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production SOPBOT_DATA_DIR=/app/data PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json carries "type": "module" for dist/ and marks the root the catalog is found from.
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY catalog ./catalog
# Owned by the unprivileged user before VOLUME, so a new named volume starts out writable by it.
RUN mkdir -p /app/data/files && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
# start-period: PGlite's first start and the migrations take some seconds before HTTP answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form: node is PID 1 and gets SIGTERM itself, for the graceful shutdown.
CMD ["node", "dist/main.js"]
