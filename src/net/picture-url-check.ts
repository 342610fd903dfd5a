import { lookup } from "node:dns/promises";
import { isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Client } from "undici";
import { checkAddress } from "./address-policy.js";

/**
 * Checks a picture URL typed into the reorder modal before Peeker is asked to fetch it (design §7): the bot is
 * the one making a request to a URL a person typed, so it must not become a way into our own network.
 *
 * Rules: `https` only, default port, no user name or password; the host is resolved once, every address it
 * resolves to must be public, and the connection is pinned to the address that was checked (a second DNS answer
 * — rebinding — is never consulted). Redirects are followed by hand, at most `maxRedirects`, each hop checked the
 * same way. The whole check is bounded in time and bytes, and passes only on a 200 with an `image/*` type.
 */

export type PictureCheckFailure =
  | { kind: "not_a_url" }
  | { kind: "not_https"; scheme: string }
  | { kind: "userinfo" }
  | { kind: "port"; port: string }
  | { kind: "local_name"; host: string }
  | { kind: "unresolvable"; host: string }
  | { kind: "blocked_address"; host: string; address: string; why: string; redirected: boolean }
  | { kind: "too_many_redirects"; max: number }
  | { kind: "bad_redirect" }
  | { kind: "status"; status: number }
  | { kind: "not_image"; contentType: string | undefined }
  | { kind: "too_large"; maxBytes: number }
  | { kind: "timeout"; ms: number }
  | { kind: "connection_failed"; message: string };

export type PictureCheckResult =
  | { ok: true; finalUrl: string; contentType: string; bytes: number }
  | { ok: false; failure: PictureCheckFailure };

/** What the domain is given: one URL in, a verdict out. Never throws. */
export type PictureUrlCheck = (url: string) => Promise<PictureCheckResult>;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface DialTarget extends ResolvedAddress {
  port: number;
  /** The URL's host name, for TLS SNI and certificate checks; the address is what is dialled. */
  hostname: string;
}

export interface PictureCheckOptions {
  /** Every address of a host name. Default: `dns.lookup(host, { all: true })`. Tests inject one. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /**
   * Opens the connection to an address that already passed the policy. Default: TLS to `address:port` with
   * `hostname` as SNI and for certificate validation. It must never resolve `hostname` itself.
   */
  dial?: (target: DialTarget, signal: AbortSignal) => Promise<Socket>;
  /** Ports a URL may name. Default [443]. */
  allowedPorts?: number[];
  /** Whole check, redirects included, ms. Default 5000. */
  timeoutMs?: number;
  /** Largest picture read, bytes. Default 5 MiB. */
  maxBytes?: number;
  /** Default 3. */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const LOCAL_NAMES = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

export function createPictureUrlChecker(options: PictureCheckOptions = {}): PictureUrlCheck {
  const resolve = options.resolve ?? defaultResolve;
  const dial = options.dial ?? defaultDial;
  const allowedPorts = options.allowedPorts ?? [443];
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;

  return async (raw) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      return fail({ kind: "not_a_url" });
    }
    for (let hop = 0; ; hop++) {
      const target = await pinnedTarget(url, hop > 0, resolve, allowedPorts);
      if ("failure" in target) return target;
      let answer: HopAnswer;
      try {
        answer = await fetchOnce(url, target.pinned, dial, maxBytes, signal);
      } catch (error) {
        if (signal.aborted) return fail({ kind: "timeout", ms: timeoutMs });
        return fail({ kind: "connection_failed", message: messageOf(error) });
      }
      if (answer.kind === "too_large") return fail({ kind: "too_large", maxBytes });
      if (REDIRECTS.has(answer.status)) {
        if (hop >= maxRedirects) return fail({ kind: "too_many_redirects", max: maxRedirects });
        if (!answer.location) return fail({ kind: "bad_redirect" });
        try {
          url = new URL(answer.location, url);
        } catch {
          return fail({ kind: "bad_redirect" });
        }
        continue;
      }
      if (answer.status !== 200) return fail({ kind: "status", status: answer.status });
      const type = answer.contentType?.split(";")[0]?.trim().toLowerCase();
      if (!type?.startsWith("image/")) return fail({ kind: "not_image", contentType: answer.contentType });
      return { ok: true, finalUrl: url.href, contentType: type, bytes: answer.bytes };
    }
  };
}

/** The address a hop dials, once the URL and every address its host resolves to passed the policy. */
async function pinnedTarget(
  url: URL,
  redirected: boolean,
  resolve: NonNullable<PictureCheckOptions["resolve"]>,
  allowedPorts: readonly number[],
): Promise<{ pinned: DialTarget } | { ok: false; failure: PictureCheckFailure }> {
  if (url.protocol !== "https:") return fail({ kind: "not_https", scheme: url.protocol.replace(/:$/, "") });
  if (url.username !== "" || url.password !== "") return fail({ kind: "userinfo" });
  const port = url.port === "" ? 443 : Number(url.port);
  if (!allowedPorts.includes(port)) return fail({ kind: "port", port: url.port });
  const host = url.hostname;
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  let addresses: ResolvedAddress[];
  if (isIP(literal) !== 0) {
    addresses = [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }];
  } else {
    // Names that only mean something inside a network are refused whatever a resolver answers for them.
    if (LOCAL_NAMES.test(host) || !host.includes(".")) return fail({ kind: "local_name", host });
    try {
      addresses = await resolve(host);
    } catch {
      return fail({ kind: "unresolvable", host });
    }
    if (addresses.length === 0) return fail({ kind: "unresolvable", host });
  }
  // Every answer is checked, not just the first: a host that also resolves to a private address is refused.
  for (const { address } of addresses) {
    const verdict = checkAddress(address);
    if (verdict.blocked) {
      return fail({
        kind: "blocked_address",
        host,
        address,
        why: verdict.why ?? "blocked",
        redirected,
      });
    }
  }
  const chosen = addresses[0]!;
  return { pinned: { ...chosen, port, hostname: literal } };
}

function fail(failure: PictureCheckFailure): { ok: false; failure: PictureCheckFailure } {
  return { ok: false, failure };
}

type HopAnswer =
  | {
      kind: "answer";
      status: number;
      location: string | undefined;
      contentType: string | undefined;
      bytes: number;
    }
  | { kind: "too_large" };

async function fetchOnce(
  url: URL,
  pinned: DialTarget,
  dial: NonNullable<PictureCheckOptions["dial"]>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<HopAnswer> {
  // A client of its own per hop whose only way out is the pinned address: undici never resolves the host.
  const client = new Client(url.origin, {
    connect: (_connectOptions, callback) => {
      dial(pinned, signal).then(
        (socket) => callback(null, socket),
        (error: Error) => callback(error, null),
      );
    },
    pipelining: 0,
  });
  try {
    const response = await client.request({
      method: "GET",
      path: `${url.pathname}${url.search}`,
      headers: { accept: "image/*", "user-agent": "peeker-pending-bot picture check" },
      signal,
    });
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const location = header("location");
    const contentType = header("content-type");
    const declared = Number(header("content-length"));
    if (response.statusCode !== 200) {
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      return { kind: "answer", status: response.statusCode, location, contentType, bytes: 0 };
    }
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.body.destroy();
      return { kind: "too_large" };
    }
    let bytes = 0;
    for await (const chunk of response.body) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) {
        response.body.destroy();
        return { kind: "too_large" };
      }
    }
    return { kind: "answer", status: 200, location, contentType, bytes };
  } finally {
    client.destroy().catch(() => undefined);
  }
}

async function defaultResolve(hostname: string): Promise<ResolvedAddress[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function defaultDial(target: DialTarget, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: target.address,
      port: target.port,
      // The certificate is checked against `servername` (the URL's host name), not the dialled address; an IP
      // literal URL has no SNI and is checked against the address itself.
      ...(isIP(target.hostname) === 0 ? { servername: target.hostname } : {}),
      ALPNProtocols: ["http/1.1"],
    });
    const onAbort = () => socket.destroy(new Error("picture check timed out"));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("secureConnect", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(socket);
    });
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  return inner ?? (error instanceof Error ? error.message : String(error));
}
