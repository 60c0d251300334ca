import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which endpoints Herald may call. Webhook URLs come from customers, so without a policy they could point Herald
 * at the private network it runs in (SSRF). The policy is checked when a webhook is saved (for IP literals) and
 * again on every connection, against the address actually dialled, so DNS rebinding cannot slip past it.
 */
export interface TargetPolicyOptions {
  /** CIDR blocks, or the word `public` for every globally routable address; `undefined` allows any address. */
  allowedNetworks: string[] | undefined;
  allowHttp: boolean;
}

export interface TargetPolicy {
  allowHttp: boolean;
  /** Why the address may not be called, or undefined when it may. */
  refuseAddress(address: string): string | undefined;
  /** Why the URL can never be called under this policy, or undefined when it might. */
  refuseUrl(url: string): string | undefined;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

export function createTargetPolicy(options: TargetPolicyOptions): TargetPolicy {
  const networks = options.allowedNetworks;
  const allowPublic = networks?.includes('public') ?? false;
  const ranges: Range[] = (networks ?? []).filter((entry) => entry !== 'public').map(parseNetwork);
  const description = networks === undefined ? 'any' : networks.join(',');

  const refuseAddress = (address: string): string | undefined => {
    if (networks === undefined) return undefined;
    const ip = parseAddress(address, { zone: true });
    // A resolver or caller may hand over forms such as 127.1 or 0x7f.1 that some parsers read as loopback and
    // others as something else; rather than guess which reading the socket would use, refuse them.
    if (!ip) return `${address} is not an IP address in standard notation`;
    // An IPv6 address that carries an IPv4 address reaches (or is translated to) that IPv4 address, so it is
    // allowed exactly when the IPv4 address would be, both under `public` and under explicit CIDR entries.
    const embedded = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : undefined;
    const judged: Address = embedded?.ipv4 ?? ip;
    const verdict = judged.kind() === 'ipv4' ? judgeIPv4(judged as ipaddr.IPv4) : judgeIPv6(judged as ipaddr.IPv6);
    if (allowPublic && verdict.public) return undefined;
    if (ranges.some(([network, bits]) => network.kind() === judged.kind() && judged.match(network, bits)))
      return undefined;
    const shown = embedded ? embedded.display : judged.toString();
    const why = embedded ? `${embedded.form}, embeds ${embedded.ipv4.toString()}, ${verdict.label}` : verdict.label;
    return `address ${shown} (${why}) is outside HERALD_ALLOWED_NETWORKS=${description}`;
  };

  const refuseUrl = (raw: string): string | undefined => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute URL such as https://example.com/webhooks';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
    if (url.protocol === 'http:' && !options.allowHttp)
      return 'must use https (plain http is allowed only when HERALD_ALLOW_HTTP=true)';
    if (url.username || url.password)
      return 'must not contain credentials; use the signing secret to authenticate deliveries';
    if (url.hash) return 'must not contain a #fragment';
    // The URL parser has already turned 0x7f.1, 2130706433, 0177.0.0.1 and 127.1 into 127.0.0.1, and IPv6
    // literals into compressed hex, so the host is either a standard IP literal or a name resolved when dialling.
    const host = hostAddress(url);
    if (net.isIP(host)) {
      const refused = refuseAddress(host);
      if (refused) return refused;
    }
    return undefined;
  };

  return { allowHttp: options.allowHttp, refuseAddress, refuseUrl };
}

/** The host of a URL without IPv6 brackets; `localhost` (and names under it) stands for the loopback address. */
export function hostAddress(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // Names under .localhost always resolve to loopback (RFC 6761), with or without the trailing dot.
  return /^(?:.+\.)?localhost\.?$/i.test(host) ? '127.0.0.1' : host;
}

interface Verdict {
  /** Globally routable: what `public` allows. */
  public: boolean;
  /** What the address is, in words, for refusal messages. */
  label: string;
}

interface Block {
  range: Range;
  label: string;
}

const block = (cidr: string, label: string): Block => ({ range: ipaddr.parseCIDR(cidr), label });
const inBlock = (ip: Address, { range: [network, bits] }: Block) =>
  network.kind() === ip.kind() && ip.match(network, bits);

/**
 * Blocks inside the IPv4 unicast space (1.0.0.0–223.255.255.255) that are not globally reachable (RFC 6890 and the
 * special-purpose registry that followed it). `public` means "in that space and in none of these"; an allow-list,
 * so a block nobody thought of is refused rather than reached.
 */
const IPV4_NOT_GLOBAL: Block[] = [
  block('10.0.0.0/8', 'private'),
  block('100.64.0.0/10', 'carrier-grade NAT'),
  block('127.0.0.0/8', 'loopback'),
  block('169.254.0.0/16', 'link-local'),
  block('172.16.0.0/12', 'private'),
  // The whole /24, including 192.0.0.9 and 192.0.0.10, which are reachable but are anycast services, not endpoints.
  block('192.0.0.0/24', 'IETF protocol assignment'),
  block('192.0.2.0/24', 'documentation'),
  block('192.31.196.0/24', 'AS112 DNS sink'),
  block('192.52.193.0/24', 'AMT relay'),
  block('192.88.99.0/24', '6to4 relay anycast'),
  block('192.168.0.0/16', 'private'),
  block('192.175.48.0/24', 'AS112 DNS sink'),
  block('198.18.0.0/15', 'benchmarking'),
  block('198.51.100.0/24', 'documentation'),
  block('203.0.113.0/24', 'documentation'),
];

function judgeIPv4(ip: ipaddr.IPv4): Verdict {
  const first = ip.octets[0]!;
  if (first < 1 || first > 223) {
    const label =
      first === 0
        ? 'this network'
        : first < 240
          ? 'multicast'
          : ip.toString() === '255.255.255.255'
            ? 'broadcast'
            : 'reserved';
    return { public: false, label };
  }
  const special = IPV4_NOT_GLOBAL.find((entry) => inBlock(ip, entry));
  return special ? { public: false, label: special.label } : { public: true, label: 'public' };
}

/** Global unicast: the only IPv6 space `public` can reach (addresses that embed IPv4 are judged by it instead). */
const IPV6_GLOBAL_UNICAST = block('2000::/3', 'global unicast');

/** Blocks inside 2000::/3 that are not globally reachable endpoints. */
const IPV6_NOT_GLOBAL: Block[] = [
  // Teredo (2001::/32) is refused outright rather than judged by the client and server IPv4 addresses it carries:
  // a tunnel endpoint is never a webhook receiver, and one rule is easier to trust than de-obfuscation.
  block('2001::/32', 'Teredo'),
  block('2001:2::/48', 'benchmarking'),
  block('2001::/23', 'IETF protocol assignment'),
  block('2001:db8::/32', 'documentation'),
  block('2620:4f:8000::/48', 'AS112 DNS sink'),
  block('3fff::/20', 'documentation'),
];

/** Names for the blocks outside 2000::/3, for refusal messages only: nothing outside global unicast is public. */
const IPV6_OUTSIDE_GLOBAL: Block[] = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  block('64:ff9b:1::/48', 'local-use NAT64'),
  block('100::/64', 'discard'),
  block('5f00::/16', 'SRv6 segment identifier'),
  block('fc00::/7', 'unique local'),
  block('fe80::/10', 'link-local'),
  block('fec0::/10', 'site-local'),
  block('ff00::/8', 'multicast'),
];

function judgeIPv6(ip: ipaddr.IPv6): Verdict {
  if (!inBlock(ip, IPV6_GLOBAL_UNICAST)) {
    return { public: false, label: IPV6_OUTSIDE_GLOBAL.find((entry) => inBlock(ip, entry))?.label ?? 'reserved' };
  }
  const special = IPV6_NOT_GLOBAL.find((entry) => inBlock(ip, entry));
  return special ? { public: false, label: special.label } : { public: true, label: 'public' };
}

interface Embedded {
  /** How the IPv6 address carries the IPv4 one. */
  form: string;
  ipv4: ipaddr.IPv4;
  /** The IPv6 address written with its IPv4 part dotted, as people write it. */
  display: string;
}

/**
 * The IPv4 address an IPv6 address stands for, when it is one of the forms that carry one. Each of them ends up
 * at the IPv4 address (dual-stack sockets, SIIT or NAT64 translators, 6to4 relays), so each is judged by it.
 */
function embeddedIPv4(ip: ipaddr.IPv6): Embedded | undefined {
  const p = ip.parts;
  const zero = (from: number, to: number) => p.slice(from, to).every((part) => part === 0);
  const ipv4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const tail = () => ipv4(p[6]!, p[7]!);
  const dotted = (prefix: string, form: string): Embedded => {
    const address = tail();
    return { form, ipv4: address, display: `${prefix}${address.toString()}` };
  };
  // ::ffff:a.b.c.d (RFC 4291): how a dual-stack socket writes an IPv4 peer.
  if (zero(0, 5) && p[5] === 0xffff) return dotted('::ffff:', 'IPv4-mapped');
  // ::a.b.c.d (RFC 4291, deprecated), ::/96 except :: and ::1, which are addresses of their own.
  if (zero(0, 6) && (p[6] !== 0 || p[7]! > 1)) return dotted('::', 'IPv4-compatible');
  // ::ffff:0:a.b.c.d (RFC 2765): stateless translation.
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return dotted('::ffff:0:', 'IPv4-translated');
  // 64:ff9b::a.b.c.d (RFC 6052): the NAT64 well-known prefix, which a translator turns into the IPv4 address.
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(2, 6)) return dotted('64:ff9b::', 'NAT64');
  // 2002:aabb:ccdd::/48 (RFC 3056): 6to4, whose site is reached through the IPv4 address in bits 16–47.
  if (p[0] === 0x2002) {
    const address = ipv4(p[1]!, p[2]!);
    return { form: '6to4', ipv4: address, display: ip.toString() };
  }
  return undefined;
}

/**
 * Parses only standard notation: dotted-quad IPv4 with no leading zeros, or IPv6 (with an optional zone id, which
 * only picks the interface and is ignored for the judgement, when `zone` is set). Undefined for anything else.
 */
function parseAddress(text: string, { zone }: { zone: boolean }): Address | undefined {
  if (net.isIPv4(text)) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  const percent = text.indexOf('%');
  if (percent !== -1 && (!zone || !/^[\w.~-]+$/.test(text.slice(percent + 1)))) return undefined;
  const bare = percent === -1 ? text : text.slice(0, percent);
  if (!net.isIPv6(bare)) return undefined;
  // ipaddr.js reads ::a.b.c.d as ::ffff:a.b.c.d; the URL parser follows RFC 4291 and writes plain hex, which
  // ipaddr.js then reads without ambiguity.
  let hex: string;
  try {
    hex = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  return ipaddr.IPv6.isValid(hex) && !hex.includes('.') ? ipaddr.IPv6.parse(hex) : undefined;
}

function parseNetwork(entry: string): Range {
  const slash = entry.indexOf('/');
  const ip = parseAddress(slash === -1 ? entry : entry.slice(0, slash), { zone: false });
  if (!ip) throw new Error(`not an address: ${entry}`);
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  const bitsText = slash === -1 ? String(max) : entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) throw new Error(`not a prefix length: ${entry}`);
  const bits = Number(bitsText);
  // ::ffff:10.0.0.0/104 means 10.0.0.0/8: IPv4-mapped addresses are judged as IPv4, so the entry must be too.
  if (ip.kind() === 'ipv6' && bits >= 96 && embeddedIPv4(ip as ipaddr.IPv6)?.form === 'IPv4-mapped') {
    return [(ip as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [ip, bits];
}

/** Throws a message naming the bad entry, for configuration validation at start-up. */
export function validateNetworks(entries: string[]): void {
  for (const entry of entries) {
    if (entry === 'public') continue;
    try {
      parseNetwork(entry);
    } catch {
      throw new Error(`"${entry}" is not a CIDR block (such as 10.0.0.0/8), an IP address, "public" or "*"`);
    }
  }
}
