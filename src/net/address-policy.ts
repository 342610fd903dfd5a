import { BlockList, isIP } from "node:net";

/**
 * Which addresses a user-supplied URL may reach (design §7, reliability notes §4.3). Ranges are checked with
 * Node's `net.BlockList`; IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are
 * also checked through the IPv4 they embed, the bypass class the SSRF advisories keep finding.
 */

const BLOCKED_V4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const BLOCKED_V6: Array<[string, number, string]> = [
  // ::/96 holds the unspecified address, loopback and the deprecated IPv4-compatible form.
  ["::", 96, "unspecified or loopback"],
  ["64:ff9b:1::", 48, "local NAT64"],
  ["100::", 64, "discard"],
  ["2001::", 32, "Teredo"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique-local (private)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

/** Cloud metadata endpoints, named so the field error says what was hit. */
const METADATA = new Set(["169.254.169.254", "fd00:ec2::254"]);

function build(entries: Array<[string, number, string]>, type: "ipv4" | "ipv6"): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of entries) list.addSubnet(network, prefix, type);
  return list;
}

const V4 = build(BLOCKED_V4, "ipv4");
const V6 = build(BLOCKED_V6, "ipv6");

export interface AddressVerdict {
  blocked: boolean;
  /** In words, e.g. "loopback" or "private (embedded in an IPv4-mapped address)". */
  why?: string;
}

/** Whether a connection to this IP literal must be refused. Anything that is not an IP is refused too. */
export function checkAddress(address: string): AddressVerdict {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return checkV4(bare);
  if (family !== 6) return { blocked: true, why: "not an IP address" };
  const lower = bare.toLowerCase();
  if (METADATA.has(lower)) return { blocked: true, why: "a cloud metadata address" };
  const bytes = parseIpv6(lower);
  if (!bytes) return { blocked: true, why: "an unreadable IPv6 address" };
  if (bytes.every((b) => b === 0)) return { blocked: true, why: "unspecified" };
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return { blocked: true, why: "loopback" };
  const embedded = embeddedIpv4(bytes);
  if (embedded) {
    const inner = checkV4(embedded.address);
    if (inner.blocked) return { blocked: true, why: `${inner.why} (inside ${embedded.form} address)` };
  }
  for (const [network, prefix, why] of BLOCKED_V6) {
    const single = new BlockList();
    single.addSubnet(network, prefix, "ipv6");
    if (single.check(bare, "ipv6")) return { blocked: true, why };
  }
  // Defence in depth: the combined list as well (it also maps IPv4-mapped addresses onto IPv4 rules).
  if (V6.check(bare, "ipv6")) return { blocked: true, why: "reserved" };
  return { blocked: false };
}

function checkV4(address: string): AddressVerdict {
  if (METADATA.has(address)) return { blocked: true, why: "a cloud metadata address" };
  if (!V4.check(address, "ipv4")) return { blocked: false };
  for (const [network, prefix, why] of BLOCKED_V4) {
    const single = new BlockList();
    single.addSubnet(network, prefix, "ipv4");
    if (single.check(address, "ipv4")) return { blocked: true, why };
  }
  return { blocked: true, why: "reserved" };
}

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedIpv4(bytes: number[]): { address: string; form: string } | undefined {
  const v4 = (offset: number) => bytes.slice(offset, offset + 4).join(".");
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff)
    return { address: v4(12), form: "an IPv4-mapped" };
  if (zero(0, 12)) return { address: v4(12), form: "an IPv4-compatible" };
  // NAT64 well-known prefix 64:ff9b::/96.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) {
    return { address: v4(12), form: "a NAT64" };
  }
  // 6to4 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return { address: v4(2), form: "a 6to4" };
  return undefined;
}

/** 16 bytes of an IPv6 literal (`::`, a trailing dotted quad and zone ids handled), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  const address = text.split("%")[0] ?? "";
  let groups: string[];
  const tail: number[] = [];
  let head = address;
  const lastColon = address.lastIndexOf(":");
  const last = address.slice(lastColon + 1);
  if (last.includes(".")) {
    if (isIP(last) !== 4) return undefined;
    tail.push(...last.split(".").map(Number));
    head = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  if (halves.length === 2) {
    const fill = 8 - left.length - right.length;
    if (fill < 0) return undefined;
    groups = [...left, ...Array<string>(fill).fill("0"), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
