# syntax=docker/dockerfile:1
# The PluginMesh agent image, one manifest list for linux/amd64 and linux/arm64. It packages the
# single-file binaries build/publish.sh makes; nothing is compiled inside the build:
#
#   build/publish.sh                      # out/linux-x64/pluginmesh, out/linux-arm64/pluginmesh
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     -t ghcr.io/pluginmesh/pluginmesh:0.1.0 --push .
#
# Not built on the development machine (it has the docker CLI but no container engine):
# tests/Deploy.Tests checks this file textually only.

# Pick the binary for the target platform. Runs on the build platform, so no emulation is needed.
FROM --platform=$BUILDPLATFORM debian:12-slim AS pick
ARG TARGETARCH
COPY out/ /out/
# buildx says amd64/arm64; .NET runtime identifiers say x64/arm64.
RUN set -eu; \
    case "$TARGETARCH" in \
      amd64) rid=linux-x64 ;; \
      arm64) rid=linux-arm64 ;; \
      *) echo "unsupported TARGETARCH '$TARGETARCH' (amd64 or arm64)" >&2; exit 1 ;; \
    esac; \
    test -x "/out/$rid/pluginmesh" || { echo "/out/$rid/pluginmesh missing: run build/publish.sh first" >&2; exit 1; }; \
    install -m 0755 "/out/$rid/pluginmesh" /pluginmesh

FROM debian:12-slim
# iptables (nft and legacy backends: the agent uses the one kube-proxy uses), iproute2 (the DNS
# dummy interface), libssl3 (.NET cryptography), ca-certificates (TLS to the API server and the
# OTLP collector), libstdc++6 (the .NET runtime). No ICU: the binary runs with invariant globalization.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 libssl3 ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=pick /pluginmesh /usr/local/bin/pluginmesh

LABEL org.opencontainers.image.title="pluginmesh" \
      org.opencontainers.image.description="PluginMesh edge service-mesh agent"

# Root, on purpose: a non-root user cannot hold NET_ADMIN/NET_RAW in a container (Kubernetes and
# Docker give added capabilities only to uid 0; no ambient capabilities for other users), and the
# agent chooses iptables interception and DNS on 169.254.96.16:53 only when it runs as root.
# The DaemonSet drops every other capability and is not privileged.
USER 0:0
# libp2p (tcp); DNS (udp+tcp) on 169.254.96.16. The DaemonSet uses hostNetwork, so these are
# documentation for `docker run` users.
EXPOSE 4001/tcp 53/udp 53/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pluginmesh"]
CMD ["up"]
