# One image for every component: `akri-ts agent|controller|handler <name>` (the chart passes the
# subcommand as args) and plain `node` for the chart's pre-delete hook script.
# Build from the repository root (docs/building-images.md):
#   docker buildx build -f images/akri-ts.Dockerfile -t ghcr.io/akri-ts/akri-ts:0.1.0 .
# Three stages: "compile" turns TypeScript into ESM JavaScript with tsc
# (rewriteRelativeImportExtensions, images/tsconfig.build.json); "modules" installs the production
# node_modules with their native modules (udev, BLE HCI socket, serial port); the runtime stage
# holds only node, the compiled code, the .proto files read at run time and those node_modules.
# No tsx or esbuild runs in a pod: less memory and a faster start than transpiling on every start.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim
# The image the compile stage runs on. That stage runs on the build machine's own architecture
# ($BUILDPLATFORM): compiled JavaScript is the same for every architecture, so a multi-arch build
# emulates only the npm install that builds native modules, not tsc. Same image by default.
ARG BUILD_NODE_IMAGE=${NODE_IMAGE}

FROM --platform=$BUILDPLATFORM ${BUILD_NODE_IMAGE} AS compile
WORKDIR /src
COPY package.json package-lock.json ./
# tsc needs the packages' type declarations only: no install scripts, no native builds here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY images/tsconfig.build.json images/
COPY agent agent
COPY controller controller
COPY discovery-handlers discovery-handlers
COPY lib lib
COPY cli cli
RUN npx tsc -p images/tsconfig.build.json \
 && (cd lib && find proto -name '*.proto' -exec cp --parents {} ../dist/lib/ \;)

# The production node_modules, on the target architecture: the native modules (udev, BLE HCI
# socket, serial port, usb) are built for it, or their prebuilt binaries picked for it.
FROM ${NODE_IMAGE} AS modules
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libudev-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# node-gyp compiles against the headers of the very node in this image (the node images ship
# them in /usr/local/include/node) instead of downloading them from nodejs.org: the build needs
# no network beyond the npm registry, and the headers always match.
ENV npm_config_nodedir=/usr/local
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# libudev1: the udev handler's native binding. Nothing else is installed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libudev1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=modules /src/package.json ./
COPY --from=modules /src/node_modules ./node_modules
COPY --from=compile /src/dist ./
# Non-root by default (the controller, the hook and the debugEcho, onvif, opcua and modbus
# handlers run as this user). The agent, and the udev, modbusRtu and ble handlers, set
# runAsUser: 0 in the chart (the kubelet's device-plugin directory is root-only; the templates
# say why for each). The handlers' init container uses coreutils' install(1) from the base image.
USER 65532:65532
ENV NODE_ENV=production
# --lite-mode: V8 without its optimizing compilers and with lazily allocated feedback, the one
# flag that pays on a small node (npm run bench -- footprint, README): the agent with four
# handlers 71.6 -> 61.3 MiB at rest and 87 -> 63 MiB at its peak, the controller 56.6 -> 50.6 MiB,
# for about +0.6 ms of CPU per Allocate (4.1-4.8 vs 3.2-4.2 ms) and no slower at 1,000 devices
# (agent-scale, controller-scale). It implies --jitless, so WebAssembly (and the global fetch
# built on it) does not exist; --no-expose-wasm says so, silencing V8's warning.
# test/image-node-flags.test.ts keeps production code off both. The benchmarks read the flags here.
ENTRYPOINT ["node", "--lite-mode", "--no-expose-wasm", "/app/cli/akri-ts.js"]
CMD ["--help"]
