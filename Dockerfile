# syntax=docker/dockerfile:1
# Multi-stage build of a static vellum binary running as a non-root user.
#   docker build -t vellum .
#   docker run --rm -v "$PWD/archive:/archive" vellum capture https://news.example/story.html

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go, so the binary needs no libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/vellum ./cmd/vellum

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vellum /usr/local/bin/vellum
# distroless/static ships CA certificates and /etc/passwd with the nonroot user (65532).
USER nonroot:nonroot
WORKDIR /archive
ENV VELLUM_ARCHIVE=/archive
VOLUME ["/archive"]
ENTRYPOINT ["/usr/local/bin/vellum"]
CMD ["--help"]
