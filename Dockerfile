# syntax=docker/dockerfile:1
#
# signalwire-exporter container image.
#   docker build -t signalwire-exporter .
#   docker run --rm -p 9711:9711 -v "$PWD/secrets/signing-key:/run/secrets/signalwire_signing_key:ro" \
#     signalwire-exporter --signalwire.signing-key-file=/run/secrets/signalwire_signing_key

# ---- build ------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src

# 1. Dependencies only, against a dummy main, so this layer is cached until
#    Cargo.toml / Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && cargo build --release --locked \
 && rm -rf src target/release/signalwire-exporter* target/release/deps/signalwire_exporter* \
    target/release/.fingerprint/signalwire-exporter-*

# 2. The real sources.
COPY src ./src
RUN touch src/main.rs \
 && cargo build --release --locked \
 && cp target/release/signalwire-exporter /usr/local/bin/signalwire-exporter

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /usr/local/bin/signalwire-exporter /usr/local/bin/signalwire-exporter

# Unprivileged (nonroot) user; the signing key is mounted read-only as a secret.
USER 65532:65532
EXPOSE 9711
ENTRYPOINT ["signalwire-exporter"]
