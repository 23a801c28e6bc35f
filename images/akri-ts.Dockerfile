# One image for every component: `akri-ts agent|controller|handler <name>` (the chart passes the
# subcommand as args) and plain `node` for the chart's pre-delete hook script.
# Build from the repository root (docs/building-images.md):
#   docker buildx build -f images/akri-ts.Dockerfile -t ghcr.io/akri-ts/akri-ts:0.1.0 .
# Two stages: the build stage compiles TypeScript to ESM JavaScript with tsc
# (rewriteRelativeImportExtensions, images/tsconfig.build.json) and builds the native modules
# (udev, BLE HCI socket, serial port); the runtime stage holds only node, the compiled code,
# the .proto files read at run time and the production node_modules. No tsx or esbuild runs in a
# pod: less memory and a faster start than transpiling on every start.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libudev-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY images/tsconfig.build.json images/
COPY agent agent
COPY controller controller
COPY discovery-handlers discovery-handlers
COPY lib lib
COPY cli cli
RUN npx tsc -p images/tsconfig.build.json \
 && (cd lib && find proto -name '*.proto' -exec cp --parents {} ../dist/lib/ \;) \
 && npm prune --omit=dev

FROM ${NODE_IMAGE}
# libudev1: the udev handler's native binding. Nothing else is installed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libudev1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./
# Non-root by default (the controller, the hook and the debugEcho, onvif, opcua and modbus
# handlers run as this user). The agent, and the udev, modbusRtu and ble handlers, set
# runAsUser: 0 in the chart (the kubelet's device-plugin directory is root-only; the templates
# say why for each). The handlers' init container uses coreutils' install(1) from the base image.
USER 65532:65532
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/cli/akri-ts.js"]
CMD ["--help"]
