# Build stage: cgo is needed for mattn/go-sqlite3; the binary is linked
# statically so the runtime image needs no C library.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build \
      -tags osusergo,netgo,sqlite_omit_load_extension \
      -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -extldflags '-static'" \
      -o /out/ambitiebot ./cmd/ambitiebot \
 && mkdir -p /out/data

# Runtime: a small image, non-root, with CA certificates and time-zone
# data (the binary also embeds its own via time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/ambitiebot /usr/local/bin/ambitiebot
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV AMBITIEBOT_DB=/data/ambitiebot.db \
    AMBITIEBOT_LISTEN=:8080 \
    TZ=Europe/Amsterdam
VOLUME ["/data"]
EXPOSE 8080
# The image has no shell: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/ambitiebot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ambitiebot"]
CMD ["serve"]
