import { connect, createServer, isIP, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAddress } from "../../src/net/address-policy.js";
import { createPictureUrlChecker, type DialTarget } from "../../src/net/picture-url-check.js";
import {
  FAKE_DNS,
  type PictureHost,
  PUBLIC_ADDRESS,
  SSRF_CORPUS,
  startPictureHost,
} from "../support/picture-host.js";
import { waitFor } from "../support/wait.js";

/** The SSRF-safe picture check (design §7) with an injected resolver and dial: no real DNS, no internet. */
describe("picture URL check", () => {
  let host: PictureHost;
  const dialled: DialTarget[] = [];

  beforeAll(async () => {
    host = await startPictureHost();
  });
  afterAll(async () => {
    await host?.close();
  });

  const check = createPictureUrlChecker({
    timeoutMs: 2000,
    maxBytes: 1024 * 1024,
    resolve: async (name) => {
      const addresses = FAKE_DNS[name];
      if (!addresses) throw new Error(`ENOTFOUND ${name}`);
      return addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
    },
    dial: (target) => {
      dialled.push(target);
      return new Promise<Socket>((resolve, reject) => {
        if (target.address !== PUBLIC_ADDRESS) {
          reject(new Error(`no route to ${target.address}`));
          return;
        }
        const socket = connect(host.port, "127.0.0.1");
        socket.once("connect", () => resolve(socket));
        socket.once("error", reject);
      });
    },
  });

  it("accepts a public https image, and follows a redirect to one", async () => {
    await expect(check("https://cdn.pics.test/ok.png")).resolves.toMatchObject({
      ok: true,
      contentType: "image/png",
    });
    await expect(check("https://cdn.pics.test/redirect-ok")).resolves.toMatchObject({
      ok: true,
      finalUrl: "https://cdn.pics.test/ok.png",
    });
  });

  it(`refuses every URL of the corpus (${SSRF_CORPUS.length} of them) and never dials a blocked address`, async () => {
    expect(SSRF_CORPUS.length).toBeGreaterThanOrEqual(30);
    for (const { url, why } of SSRF_CORPUS) {
      dialled.length = 0;
      const result = await check(url);
      expect(result.ok, `${url} (${why}) must be refused`).toBe(false);
      for (const target of dialled) {
        expect(checkAddress(target.address).blocked, `${url} dialled ${target.address}`).toBe(false);
      }
    }
  });

  it("names the problem", async () => {
    const failure = async (url: string) => {
      const result = await check(url);
      return result.ok ? undefined : result.failure;
    };
    expect(await failure("http://cdn.pics.test/ok.png")).toEqual({ kind: "not_https", scheme: "http" });
    expect(await failure("https://u:p@cdn.pics.test/ok.png")).toEqual({ kind: "userinfo" });
    expect(await failure("https://2130706433/x.png")).toMatchObject({
      kind: "blocked_address",
      why: "loopback",
    });
    expect(await failure("https://[::ffff:127.0.0.1]/x.png")).toMatchObject({
      kind: "blocked_address",
      why: "loopback (inside an IPv4-mapped address)",
    });
    expect(await failure("https://169.254.169.254/")).toMatchObject({ why: "a cloud metadata address" });
    expect(await failure("https://100.64.0.1/x.png")).toMatchObject({ why: "carrier-grade NAT" });
    expect(await failure("https://internal.pics.test/x.png")).toMatchObject({
      kind: "blocked_address",
      address: "10.0.0.5",
      redirected: false,
    });
    expect(await failure("https://cdn.pics.test/redirect-private")).toMatchObject({
      kind: "blocked_address",
      address: "10.0.0.7",
      redirected: true,
    });
    expect(await failure("https://cdn.pics.test/page.html")).toEqual({
      kind: "not_image",
      contentType: "text/html",
    });
    expect(await failure("https://cdn.pics.test/missing.png")).toEqual({ kind: "status", status: 404 });
    expect(await failure("https://cdn.pics.test/huge.png")).toEqual({
      kind: "too_large",
      maxBytes: 1024 * 1024,
    });
  });

  it("keeps address checks exact at the edges of the ranges", () => {
    expect(checkAddress("100.63.255.255").blocked).toBe(false);
    expect(checkAddress("100.128.0.0").blocked).toBe(false);
    expect(checkAddress("172.32.0.1").blocked).toBe(false);
    expect(checkAddress("8.8.8.8").blocked).toBe(false);
    expect(checkAddress("2606:4700::1111").blocked).toBe(false);
    expect(checkAddress("::ffff:8.8.8.8").blocked).toBe(false);
    expect(checkAddress("64:ff9b::808:808").blocked).toBe(false);
    expect(checkAddress("172.31.255.255").blocked).toBe(true);
    expect(checkAddress("::ffff:10.1.2.3").blocked).toBe(true);
  });

  it("pins the connection to the address it checked: a rebinding resolver never gets a loopback connection", async () => {
    // A listener on loopback, where a second DNS answer would send a client that resolves again.
    let loopbackConnections = 0;
    const listener: Server = createServer((socket) => {
      loopbackConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    let lookups = 0;
    const rebinding = createPictureUrlChecker({
      allowedPorts: [port],
      timeoutMs: 1500,
      // First answer public (it passes the check), every later one loopback: DNS rebinding.
      resolve: async () => {
        lookups++;
        return [{ address: lookups === 1 ? PUBLIC_ADDRESS : "127.0.0.1", family: 4 }];
      },
      // The default dial: a real TLS connection to whatever address the check pinned.
    });
    try {
      const result = await rebinding(`https://rebind.pics.test:${port}/x.png`);
      expect(result.ok).toBe(false);
      // A stray connection would have been dialled before the check answered, so it is queued ahead of a
      // sentinel connection of ours: once the listener accepted the sentinel, it accepted any stray too.
      const sentinel = connect(port, "127.0.0.1");
      sentinel.on("error", () => {});
      await waitFor(() => loopbackConnections >= 1, { what: "the sentinel connection" });
      sentinel.destroy();
      expect(loopbackConnections).toBe(1);
      expect(lookups).toBe(1);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
