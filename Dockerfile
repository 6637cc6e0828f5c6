# syntax=docker/dockerfile:1
# Forge's relay with the built app inside: a static musl binary on a distroless base, running as
# a non-root user with a read-only root filesystem (the relay writes nothing at run time).
#
#   docker build -t forge-relay .
#   docker run --read-only -p 3000:3000 -e FORGE_SEAL_KEYS="$(forge-relay keygen --id 1)" forge-relay
#
# deploy/README.md runs it behind a load balancer, N replicas sharing one FORGE_SEAL_KEYS.

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools nodejs npm brotli \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# The app, with the pinned trunk, wasm-bindgen and npm binaryen (../shared/TOOLCHAIN.md: never
# Debian's wasm-opt), then NAME.br / NAME.gz beside every asset.
RUN cargo xtask setup --app \
 && PATH=/src/node_modules/.bin:/usr/local/cargo/bin:$PATH TRUNK_OFFLINE=true trunk build --release \
 && cargo xtask compress
# The relay, statically linked.
RUN cargo build --release --locked -p forge-relay --bin forge-relay --target x86_64-unknown-linux-musl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/forge-relay /forge-relay
COPY --from=build /src/dist /app
USER 65532:65532
ENV FORGE_BIND=0.0.0.0:3000 \
    FORGE_APP_DIR=/app \
    FORGE_LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/forge-relay", "healthcheck"]
ENTRYPOINT ["/forge-relay"]
CMD ["serve"]
