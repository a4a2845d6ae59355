# syntax=docker/dockerfile:1
# Builds a static oktasync binary and ships it in a minimal, non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/oktasync ./cmd/oktasync

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/oktasync /usr/local/bin/oktasync
USER nonroot:nonroot
WORKDIR /var/lib/oktasync
ENTRYPOINT ["/usr/local/bin/oktasync"]
CMD ["run", "--config", "/etc/oktasync/oktasync.yaml"]
