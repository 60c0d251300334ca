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

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function createTargetPolicy(options: TargetPolicyOptions): TargetPolicy {
  const networks = options.allowedNetworks;
  const allowPublic = networks?.includes('public') ?? false;
  const ranges: Range[] = (networks ?? []).filter((entry) => entry !== 'public').map(parseNetwork);
  const description = networks === undefined ? 'any' : networks.join(',');

  const refuseAddress = (address: string): string | undefined => {
    if (networks === undefined) return undefined;
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    const ip = normalise(ipaddr.parse(address));
    if (allowPublic && ip.range() === 'unicast') return undefined;
    if (ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return undefined;
    return `address ${ip.toString()} (${ip.range()}) is outside HERALD_ALLOWED_NETWORKS=${description}`;
  };

  const refuseUrl = (raw: string): string | undefined => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute URL such as https://example.com/webhooks';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
    if (url.protocol === 'http:' && !options.allowHttp) return 'must use https (plain http is allowed only when HERALD_ALLOW_HTTP=true)';
    if (url.username || url.password) return 'must not contain credentials; use the signing secret to authenticate deliveries';
    if (url.hash) return 'must not contain a #fragment';
    const host = hostAddress(url);
    if (host && ipaddr.isValid(host)) {
      const refused = refuseAddress(host);
      if (refused) return refused;
    }
    return undefined;
  };

  return { allowHttp: options.allowHttp, refuseAddress, refuseUrl };
}

/** The host of a URL without IPv6 brackets; `localhost` stands for the loopback address it always names. */
export function hostAddress(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' ? '127.0.0.1' : host;
}

function normalise(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  // ::ffff:10.0.0.1 reaches 10.0.0.1: judge it as the IPv4 address it is.
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function parseNetwork(entry: string): Range {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const ip = ipaddr.parse(entry);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
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
