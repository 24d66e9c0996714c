# syntax=docker/dockerfile:1
# Multi-stage build of a static vellum binary running as a non-root user.
#   docker build -t vellum .
#   docker run --rm -v "$PWD/archive:/archive" vellum capture https://news.example/story.html
#   docker run --rm -p 8080:8080 -p 8081:8081 -v "$PWD/archive:/archive" vellum serve

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
