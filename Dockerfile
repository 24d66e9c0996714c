# syntax=docker/dockerfile:1
# Multi-stage build of a static vellum binary running as a non-root user.
#   docker build -t vellum .
#   docker run --rm -v "$PWD/archive:/archive" vellum capture https://news.example/story.html
#   docker run --rm -p 8080:8080 -p 8081:8081 -v "$PWD/archive:/archive" vellum serve
# The same binary with Debian's Chromium, for browser capture (--browser):
#   docker build --target browser -t vellum:browser .
#   docker run --rm -v "$PWD/archive:/archive" vellum:browser capture --browser https://news.example/story.html
# `docker build .` builds the last stage: the static image, which stays last.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git stays out of the build context: `vellum version` names the commit given
# here (docker build --build-arg VELLUM_COMMIT=$(git rev-parse HEAD) .).
ARG VELLUM_COMMIT=""
# modernc.org/sqlite is pure Go, so the binary needs no libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w -X main.buildCommit=${VELLUM_COMMIT}" -o /out/vellum ./cmd/vellum

# Browser capture: Debian's chromium and fonts for the pages it renders and
# screenshots (Latin, Greek and Cyrillic in Liberation and DejaVu, emoji),
# the same binary, user, folders, ports and VELLUM_ variables as the default
# image below.
FROM debian:bookworm-slim AS browser
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		ca-certificates chromium fonts-liberation fonts-dejavu-core fonts-noto-color-emoji \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --uid 65532 --user-group --create-home --shell /usr/sbin/nologin vellum \
	&& mkdir /archive && chown vellum:vellum /archive
COPY --from=build /out/vellum /usr/local/bin/vellum
USER vellum:vellum
WORKDIR /archive
ENV VELLUM_ARCHIVE=/archive
# Docker's default seccomp profile forbids the user namespaces Chromium's own
# sandbox needs; the container is the boundary. Drop this with a profile that
# allows them (docker run --security-opt seccomp=...).
ENV VELLUM_CHROMIUM_FLAGS=--no-sandbox
ENV VELLUM_ADDR=0.0.0.0:8080
EXPOSE 8080 8081
VOLUME ["/archive"]
ENTRYPOINT ["/usr/local/bin/vellum"]
CMD ["--help"]

# The default image: the static binary alone (no Chromium), small. It must
# stay the last stage.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vellum /usr/local/bin/vellum
# distroless/static ships CA certificates and /etc/passwd with the nonroot user (65532).
USER nonroot:nonroot
WORKDIR /archive
ENV VELLUM_ARCHIVE=/archive
# serve listens on every interface of the container (127.0.0.1 there is out
# of reach from the host): the UI on 8080 and archived content, on its own
# origin, on 8081 (the next port); publish both (-p 8080:8080 -p 8081:8081).
# The UI is then http://127.0.0.1:8080 and content http://localhost:8081
# (--content-origin names another).
ENV VELLUM_ADDR=0.0.0.0:8080
EXPOSE 8080 8081
VOLUME ["/archive"]
ENTRYPOINT ["/usr/local/bin/vellum"]
CMD ["--help"]
