# The `viewership` app in one image: the CLI, the workers (`worker --queue batch|stream`), the stream start and
# `serve`. docker-compose.yml runs each of them from this image beside the infrastructure.
#
#   docker build -t viewership .
#   docker run --rm viewership --help
#
# The app runs its TypeScript through tsx, a production dependency (bin/viewership.mjs), so there is nothing to
# compile: the build stage type-checks the sources (the image is not built from code that does not type-check),
# the runtime stage holds the sources and the production dependencies only.
# Debian (glibc), not Alpine: the prebuilt native modules (Temporal core bridge, DuckDB) are glibc builds.
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only, exactly as locked (this layer is rebuilt only when the lockfile changes).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Every dependency, exactly as locked, to type-check the sources; tests and tooling are dropped afterwards.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck \
 && rm -rf node_modules test scripts vitest.config.ts eslint.config.js \
 && find . -name '*.test.ts' -delete

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    VIEWERSHIP_SERVICES_DIR=/home/node/.viewership \
    LANDING_DIR=/data/landing \
    LAKE_DIR=/data/lake \
    QUARANTINE_DIR=/data/quarantine \
    WORK_DIR=/data/work \
    SERVE_HOST=0.0.0.0 \
    SERVE_PORT=8080
WORKDIR /app
# /data: landing files, lake, quarantine, batch work files (a volume shared by the workers and serve in compose;
# an empty named volume takes this directory's owner). The code stays owned by root: the app cannot change it.
RUN mkdir -p /data /home/node/.viewership && chown 1000:1000 /data /home/node/.viewership
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app ./
USER 1000:1000
EXPOSE 8080
# Probes `serve` when the container runs it (PID 1's arguments include `serve`): GET /openapi.json on SERVE_PORT
# answers 200 (with the token when one is set; HTTPS when SERVE_TLS_CERT_FILE is set, the certificate not checked
# on loopback). Other commands (workers, one-shots) have no HTTP endpoint: their health is the process's.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "\
const fs = require('fs'), e = process.env; \
if (!fs.readFileSync('/proc/1/cmdline', 'latin1').split(String.fromCharCode(0)).includes('serve')) process.exit(0); \
const token = e.SERVE_AUTH_TOKEN || (e.SERVE_AUTH_TOKEN_FILE ? fs.readFileSync(e.SERVE_AUTH_TOKEN_FILE, 'utf8').trim() : ''); \
require(e.SERVE_TLS_CERT_FILE ? 'https' : 'http').get({ host: '127.0.0.1', port: e.SERVE_PORT || 8080, path: '/openapi.json', \
  rejectUnauthorized: false, timeout: 4000, headers: token ? { authorization: 'Bearer ' + token } : {} }, \
  (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1));"]
ENTRYPOINT ["node", "/app/bin/viewership.mjs"]
CMD ["--help"]
