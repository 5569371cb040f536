# syntax=docker/dockerfile:1
# workos-mcp image: a static binary on a distroless base, running as a non-root user, with a
# read-only root filesystem (serve writes nothing to disk). Mount your configuration at
# /etc/workos-mcp/workos-mcp.yaml (docs/configuration.md); secrets come from the environment.
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t workos-mcp .
#   docker run --read-only -p 8080:8080 -v $PWD/workos-mcp.yaml:/etc/workos-mcp/workos-mcp.yaml:ro \
#     -e WORKOS_API_KEY -e WORKOS_SANDBOX_API_KEY -e WORKOS_MCP_CONFIRMATION_KEY workos-mcp
#
# The build stage runs scripts/release.sh, the script CI runs outside a container, so the image
# is built by the same steps CI checks.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG REVISION=
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN RELEASE_TARGETS="${TARGETOS}/${TARGETARCH}" RELEASE_OUT=/out REVISION="${REVISION}" \
      scripts/release.sh "${VERSION}" \
 && cp "/out/workos-mcp-${TARGETOS}-${TARGETARCH}" /out/workos-mcp

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/workos-mcp /usr/local/bin/workos-mcp
# 65532 is distroless's "nonroot" user.
USER 65532:65532
ENV WORKOS_MCP_ADDR=:8080 \
    WORKOS_MCP_CONFIG=/etc/workos-mcp/workos-mcp.yaml \
    WORKOS_MCP_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/workos-mcp", "health"]
ENTRYPOINT ["/usr/local/bin/workos-mcp"]
CMD ["serve"]
