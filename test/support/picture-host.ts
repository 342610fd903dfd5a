import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for a public picture host, on loopback. The picture check reaches it through an injected dial
 * (test/support/bot-fake-network.ts), as if `PUBLIC_ADDRESS` were its address; every connection is counted.
 */

/** A public address (not in any blocked range) the fake DNS hands out for the picture host. */
export const PUBLIC_ADDRESS = "93.184.216.34";

export interface PictureHost {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Request paths served so far. */
  paths(): string[];
  close(): Promise<void>;
  /** `TEST_FAKE_DNS` / `TEST_FAKE_ROUTES` for the bot: names → addresses, public address → this server. */
  env(): Record<string, string>;
}

export const FAKE_DNS: Record<string, string[]> = {
  "cdn.pics.test": [PUBLIC_ADDRESS],
  "internal.pics.test": ["10.0.0.5"],
  "mixed.pics.test": [PUBLIC_ADDRESS, "192.168.1.10"],
  "v6private.pics.test": ["fd00::1"],
  "nat64.pics.test": ["64:ff9b::7f00:1"],
};

export async function startPictureHost(): Promise<PictureHost> {
  let connections = 0;
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? "");
    switch (req.url) {
      case "/redirect-private":
        res.writeHead(302, { location: "https://10.0.0.7/x.png" }).end();
        return;
      case "/redirect-internal":
        res.writeHead(302, { location: "https://internal.pics.test/x.png" }).end();
        return;
      case "/redirect-ok":
        res.writeHead(302, { location: "/ok.png" }).end();
        return;
      case "/page.html":
        res.writeHead(200, { "content-type": "text/html" }).end("<html></html>");
        return;
      case "/missing.png":
        res.writeHead(404, { "content-type": "text/plain" }).end("no");
        return;
      case "/huge.png":
        res.writeHead(200, { "content-type": "image/png", "content-length": String(50 * 1024 * 1024) });
        res.write(Buffer.alloc(64 * 1024));
        // Never finishes: the check must stop on the declared size, not wait for 50 MB.
        return;
      default:
        if (req.url?.endsWith(".png")) {
          res.writeHead(200, { "content-type": "image/png" }).end(Buffer.alloc(2048, 1));
          return;
        }
        res.writeHead(404).end();
    }
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => connections,
    paths: () => [...paths],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    env: () => ({
      TEST_FAKE_DNS: JSON.stringify(FAKE_DNS),
      TEST_FAKE_ROUTES: JSON.stringify({ [PUBLIC_ADDRESS]: port }),
    }),
  };
}

/**
 * URLs the picture check must refuse (design §7, reliability notes §4.3), each with why. With `FAKE_DNS` above,
 * the names resolve as noted.
 */
export const SSRF_CORPUS: Array<{ url: string; why: string }> = [
  { url: "http://cdn.pics.test/ok.png", why: "plain http" },
  { url: "file:///etc/passwd", why: "file:" },
  { url: "ftp://cdn.pics.test/ok.png", why: "ftp:" },
  { url: "not a url at all", why: "not a URL" },
  { url: "https://localhost/x.png", why: "localhost" },
  { url: "https://foo.localhost/x.png", why: "a .localhost name" },
  { url: "https://127.0.0.1/x.png", why: "loopback" },
  { url: "https://2130706433/x.png", why: "decimal loopback" },
  { url: "https://0177.0.0.1/x.png", why: "octal loopback" },
  { url: "https://0x7f.0.0.1/x.png", why: "hex loopback" },
  { url: "https://0x7f000001/x.png", why: "hex integer loopback" },
  { url: "https://127.1/x.png", why: "short loopback" },
  { url: "https://[::1]/x.png", why: "IPv6 loopback" },
  { url: "https://[::ffff:127.0.0.1]/x.png", why: "IPv4-mapped loopback" },
  { url: "https://[::ffff:7f00:1]/x.png", why: "IPv4-mapped loopback, hex" },
  { url: "https://[64:ff9b::7f00:1]/x.png", why: "NAT64 loopback" },
  { url: "https://[2002:7f00:1::]/x.png", why: "6to4 loopback" },
  { url: "https://10.0.0.1/x.png", why: "RFC 1918 10/8" },
  { url: "https://172.16.5.4/x.png", why: "RFC 1918 172.16/12" },
  { url: "https://192.168.1.1/x.png", why: "RFC 1918 192.168/16" },
  { url: "https://100.64.0.1/x.png", why: "CGNAT" },
  { url: "https://169.254.169.254/latest/meta-data/", why: "cloud metadata" },
  { url: "https://[::ffff:a9fe:a9fe]/latest/meta-data/", why: "IPv4-mapped metadata" },
  { url: "https://[fd00:ec2::254]/latest/meta-data/", why: "IPv6 metadata" },
  { url: "https://0.0.0.0/x.png", why: "unspecified" },
  { url: "https://[::]/x.png", why: "IPv6 unspecified" },
  { url: "https://224.0.0.1/x.png", why: "multicast" },
  { url: "https://[fe80::1]/x.png", why: "IPv6 link-local" },
  { url: "https://internal.pics.test/x.png", why: "a name resolving to a private address" },
  { url: "https://mixed.pics.test/x.png", why: "a name that also resolves to a private address" },
  { url: "https://v6private.pics.test/x.png", why: "a name resolving to a unique-local IPv6 address" },
  { url: "https://nat64.pics.test/x.png", why: "a name resolving to NAT64 loopback" },
  { url: "https://cdn.pics.test/redirect-private", why: "a redirect to a private address" },
  { url: "https://cdn.pics.test/redirect-internal", why: "a redirect to a name resolving to one" },
  { url: "https://user:secret@cdn.pics.test/ok.png", why: "userinfo" },
  { url: "https://cdn.pics.test@127.0.0.1/x.png", why: "userinfo trick pointing at loopback" },
  { url: "https://cdn.pics.test:8443/ok.png", why: "a non-default port" },
  { url: "https://nowhere.pics.test/x.png", why: "a name that does not resolve" },
  { url: "https://cdn.pics.test/page.html", why: "not an image" },
  { url: "https://cdn.pics.test/missing.png", why: "404" },
  { url: "https://cdn.pics.test/huge.png", why: "too large" },
];
