/**
 * The haproxy and nginx configurations of the stack tests, as docs/deployment.md shows them
 * (there with real ports and paths).
 */

/**
 * haproxy in front of slow-serv instances started with `--proxy-protocol`: PROXY v2 with the SSL
 * TLV (`send-proxy-v2-ssl`), health checks on /readyz (sent with the PROXY header too).
 */
export function haproxyConfig(
  port: number,
  backends: readonly number[],
  pem: string | undefined,
): string {
  const bind =
    pem === undefined ? `bind 127.0.0.1:${port}` : `bind 127.0.0.1:${port} ssl crt ${pem}`;
  return `global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A backend closes idle keep-alive connections when it drains (a reload, a shutdown); one
  # haproxy was about to reuse fails empty. Retry those, and connection failures, on another
  # connection or server, for requests that are safe to repeat.
  retries 3
  option redispatch
  retry-on conn-failure empty-response response-timeout

frontend web
  ${bind}
  default_backend app

backend app
  balance roundrobin
  http-request disable-l7-retry if !METH_GET !METH_HEAD
  option httpchk GET /readyz
${backends
  .map(
    (backend, index) =>
      `  server app${index} 127.0.0.1:${backend} send-proxy-v2-ssl check check-send-proxy inter 1s`,
  )
  .join("\n")}
`;
}

/**
 * nginx with upstream keep-alive, behind a layer-4 balancer that sends it the PROXY protocol.
 */
export function nginxHttpBlock(port: number, backend: number): string {
  return `  upstream slow_serv {
    server 127.0.0.1:${backend};
    keepalive 16;
    # nginx's default upstream keepalive_timeout is 60s; slow-serv's keep-alive default (75 s)
    # outlasts it, so nginx never sends a request on a connection slow-serv is closing.
  }
  server {
    listen 127.0.0.1:${port} proxy_protocol;
    location / {
      proxy_pass http://slow_serv;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_protocol_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }`;
}

/**
 * nginx's stream module in front of slow-serv started with `--proxy-protocol`: each client
 * connection becomes one upstream connection that starts with a PROXY v1 line carrying the
 * client's address and port. With `tls`, nginx terminates TLS (v1 cannot say so: slow-serv sees
 * plain HTTP); without, TLS passes through to slow-serv, which terminates it after the header.
 */
export function nginxStreamBlock(
  port: number,
  backend: number,
  tls: { cert: string; key: string } | undefined,
): string {
  const listen =
    tls === undefined
      ? `    listen 127.0.0.1:${port};`
      : `    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};`;
  return `  server {
${listen}
    proxy_pass 127.0.0.1:${backend};
    proxy_protocol on;
    proxy_connect_timeout 2s;
  }`;
}
