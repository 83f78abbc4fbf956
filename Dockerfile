# sysmon-proctree as a container (used by docker-compose.yml). Build: docker build -t sysmon-proctree .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-report-assets.mjs scripts/build-pipeline-cache.mjs scripts/build-cli-bundle.mjs ./scripts/
# The shipped pipelines are validated at build time (dist/pipelines/, src/cli/pipeline-cache.ts).
COPY pipelines ./pipelines
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY pipelines ./pipelines
USER node
ENTRYPOINT ["node", "bin/proctree.js"]
