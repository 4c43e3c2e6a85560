/**
 * Server-side request forgery guards for webhook URLs: which URLs we accept, and which network
 * addresses we refuse to connect to. The address check runs again at connect time, on the
 * addresses DNS actually returned, so a name that later resolves somewhere internal is caught.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

/** Cloud metadata services: refused even when private networks are allowed. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

/** Loopback, private, link-local, shared, multicast, documentation and reserved ranges. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (which may end in a dotted IPv4 quad). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().split('%')[0]!;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const bytes = quad[1]!.split('.').map(Number);
    text = `${text.slice(0, -quad[1]!.length)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail, ...rest] = text.split('::');
  if (rest.length > 0) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((group) =>
    parseInt(group, 16),
  );
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The IPv4 addresses an IPv6 address carries, and whether its range is itself non-public.
 * Every form that ends up at an IPv4 host counts: the deprecated IPv4-compatible ::/96
 * (`[::127.0.0.1]`), mapped ::ffff:0:0/96, SIIT's ::ffff:0:0:0/96 (`[::ffff:0:127.0.0.1]`),
 * NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
 * (2001::/32, whose client address is stored inverted).
 */
function embeddedIPv4(address: string): { inner: string[]; nonPublicRange: boolean } | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  const last32 = ipv4FromGroups(g[6]!, g[7]!);
  // :: and ::1 are the unspecified and loopback addresses themselves, in NON_PUBLIC.
  if (zeros(0, 6) && (g[6] !== 0 || g[7]! > 1)) return { inner: [last32], nonPublicRange: true };
  if (zeros(0, 5) && g[5] === 0xffff) return { inner: [last32], nonPublicRange: false };
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return { inner: [last32], nonPublicRange: true };
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return { inner: [last32], nonPublicRange: false };
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return { inner: [last32], nonPublicRange: true };
  if (g[0] === 0x2002) return { inner: [ipv4FromGroups(g[1]!, g[2]!)], nonPublicRange: false };
  if (g[0] === 0x2001 && g[1] === 0)
    return {
      inner: [ipv4FromGroups(g[6]! ^ 0xffff, g[7]! ^ 0xffff), ipv4FromGroups(g[2]!, g[3]!)],
      nonPublicRange: false,
    };
  return undefined;
}

const RANK: Record<AddressClass, number> = { public: 0, private: 1, metadata: 2 };

export type AddressClass = 'public' | 'private' | 'metadata';

/** Classifies a literal IP address; anything that is not one counts as private. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const version = isIP(bare);
  if (version === 0) return 'private';
  const embedded = version === 6 ? embeddedIPv4(bare) : undefined;
  if (embedded) {
    // The most restricted of what it carries: a metadata address stays one in any disguise.
    const classes = embedded.inner.map(classifyAddress);
    if (embedded.nonPublicRange) classes.push('private');
    return classes.reduce((worst, kind) => (RANK[kind] > RANK[worst] ? kind : worst), 'public');
  }
  const normalised = version === 6 ? (ipv6Groups(bare) ?? []).map((group) => group.toString(16)).join(':') : bare;
  if (METADATA_ADDRESSES.has(bare) || (version === 6 && normalised === 'fd00:ec2:0:0:0:0:0:254')) return 'metadata';
  return NON_PUBLIC.check(bare, isIPv4(bare) ? 'ipv4' : 'ipv6') ? 'private' : 'public';
}

/** Whether a connection to `address` is allowed. Metadata services never are. */
export function isAddressAllowed(address: string, allowPrivateNetworks: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'private' && allowPrivateNetworks);
}

export const BLOCKED_ADDRESS_MESSAGE = 'must not point at a loopback, private, link-local or cloud metadata address';

/**
 * What is wrong with `text` as a webhook URL, or undefined. Names are checked again after DNS
 * at every delivery; here only what the URL itself shows (scheme, credentials, literal hosts).
 */
export function webhookUrlProblem(text: string, allowPrivateNetworks: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use the http or https scheme';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') return 'must name a host';
  if (isIP(host)) return isAddressAllowed(host, allowPrivateNetworks) ? undefined : BLOCKED_ADDRESS_MESSAGE;
  if (!allowPrivateNetworks && (host === 'localhost' || host.endsWith('.localhost'))) return BLOCKED_ADDRESS_MESSAGE;
  return undefined;
}
