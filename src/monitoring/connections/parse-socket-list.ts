/**
 * Reads the TCP socket lists that `ss -tn` (with or without a state filter and header) and `netstat -tn`
 * print, in every address form they use: `1.2.3.4:p`, `[::1]:p`, `[::ffff:1.2.3.4]:p`, `[fe80::1%eth0]:p`,
 * and netstat's bracketless `::ffff:1.2.3.4:p`. Lines that are not sockets (headers, banners, blank) are
 * skipped, so the same parser serves a local `ss` and whatever a configured command prints.
 */

/** One side of a socket. `host` is normalised: no brackets, no zone, IPv4-mapped IPv6 as plain IPv4. */
export interface SocketEnd {
  host: string;
  port: number;
}

/** One established TCP connection as seen from the server side. */
export interface SocketPair {
  local: SocketEnd;
  peer: SocketEnd;
}

// States that mean "established" in ss (ESTAB) and netstat (ESTABLISHED); any other state word drops the line.
const establishedStates = new Set(['ESTAB', 'ESTABLISHED']);
const stateWord = /^[A-Z][A-Z0-9_-]+$/;

/** Strips brackets and the zone index, and turns an IPv4-mapped IPv6 address into the IPv4 address. */
export function normaliseHost(raw: string): string {
  let host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  if (mapped?.[1]) return mapped[1];
  return host.toLowerCase();
}

/** Splits `host:port` in the forms ss and netstat print; undefined when it is not an address with a numeric port. */
export function parseSocketEnd(token: string): SocketEnd | undefined {
  let hostPart: string;
  let portPart: string;
  if (token.startsWith('[')) {
    const close = token.indexOf(']');
    if (close < 0 || token[close + 1] !== ':') return undefined;
    hostPart = token.slice(0, close + 1);
    portPart = token.slice(close + 2);
  } else {
    const colon = token.lastIndexOf(':');
    if (colon <= 0) return undefined;
    hostPart = token.slice(0, colon);
    portPart = token.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portPart)) return undefined;
  const port = Number(portPart);
  if (port > 65535) return undefined;
  // A host is an IP literal (with optional zone) or a name: reject anything else, e.g. a timestamp `12:30`.
  const bare = hostPart.replace(/^\[|\]$/g, '').replace(/%[\w.-]+$/, '');
  const isIpv6 = bare.includes(':') && /^[0-9a-fA-F:.]+$/.test(bare);
  const isIpv4OrName = /^[A-Za-z0-9](?:[A-Za-z0-9.\-_]*[A-Za-z0-9])?$/.test(bare) && /[A-Za-z0-9]/.test(bare);
  if (!isIpv6 && !isIpv4OrName) return undefined;
  if (/^\d+$/.test(bare)) return undefined;
  return { host: normaliseHost(hostPart), port };
}

/**
 * The established connections in an `ss -tn` or `netstat -tn` listing. A line counts when it holds two
 * addresses (local, then peer) and either no state word (ss with a state filter prints none) or an
 * established one.
 */
export function parseSocketList(text: string): SocketPair[] {
  const pairs: SocketPair[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    if (words.length < 2) continue;
    const ends: SocketEnd[] = [];
    let state: string | undefined;
    for (const word of words) {
      if (ends.length < 2) {
        const end = parseSocketEnd(word);
        if (end) {
          ends.push(end);
          continue;
        }
      }
      if (state === undefined && stateWord.test(word)) state = word;
    }
    const [local, peer] = ends;
    if (!local || !peer) continue;
    if (state !== undefined && !establishedStates.has(state)) continue;
    pairs.push({ local, peer });
  }
  return pairs;
}
