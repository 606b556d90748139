import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/*
 * Where a merchant's own URLs may point. On a platform, a merchant types the URL its webhook is
 * POSTed to from inside the platform's network: pointed at 127.0.0.1, 10.x or a cloud's metadata
 * address, the platform would call its own internal services for it (server-side request forgery).
 * So a platform that refuses them (production's default) checks the URL when it is set (a host
 * written as an address) and again before each call (the addresses its name resolves to then).
 */

const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address is the platform's own side of the network (loopback, private, link-local, multicast, reserved). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isInternalAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return false;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Names that always mean this machine or its private network, whatever a resolver says. */
const INTERNAL_NAMES = /(^|\.)(localhost|local|internal|localdomain)$/i;

/**
 * Why a merchant's URL may not be called, from the URL alone, or undefined: it must be https, and
 * its host may not be an internal address or name. What the name resolves to is checked at each
 * call (reachedAddressRefusal).
 */
export function urlRefusal(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http(s) URL';
  }
  if (parsed.protocol !== 'https:') return 'must be an https URL';
  const host = hostOf(parsed);
  if (isInternalAddress(host) || INTERNAL_NAMES.test(host)) return `must not point at the platform's own network (${host})`;
  return undefined;
}

/** The host as an address or a name, without brackets or the root's final dot (`localhost.` is localhost). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
}

type Resolve = (host: string) => Promise<{ address: string }[]>;
const resolveAll: Resolve = (host) => lookup(host, { all: true });

/** urlRefusal, then every address the URL's host resolves to now; undefined when it may be called. */
export async function reachedAddressRefusal(url: string, resolve: Resolve = resolveAll): Promise<string | undefined> {
  const refused = urlRefusal(url);
  if (refused) return refused;
  const host = hostOf(new URL(url));
  if (isIP(host)) return undefined;
  const addresses = await resolve(host);
  const internal = addresses.find((a) => isInternalAddress(a.address));
  return internal ? `${host} resolves to ${internal.address}, on the platform's own network` : undefined;
}
