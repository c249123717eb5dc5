import { describe, expect, it } from 'vitest';
import {
  normaliseHost,
  parseSocketEnd,
  parseSocketList,
} from '../../../src/monitoring/connections/parse-socket-list.js';

// Recorded from iproute2 6.1 (`ss -Htn state established '( sport = :45123 )'`), a dual-stack listener.
const ssStateFiltered = `0      0      [::ffff:127.0.0.1]:45123 [::ffff:127.0.0.1]:46004
0      0      [::ffff:127.0.0.2]:45123 [::ffff:127.0.0.1]:33112
0      0                   [::1]:45123              [::1]:56388
`;

// `ss -tn` with its header and state column, an IPv4 listener, a process column and a zone index.
const ssWithHeader = `State      Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
ESTAB      0      0          10.1.2.3:34601     10.9.8.7:55498 users:(("meta_server",pid=812,fd=33))
ESTAB      0      36         10.1.2.3:34601     10.9.8.7:55499
TIME-WAIT  0      0          10.1.2.3:34601     10.9.8.6:40000
SYN-RECV   0      0          10.1.2.3:34601     10.9.8.5:40001
ESTAB      0      0   [fe80::1%eth0]:34601 [fe80::2%eth0]:51000
`;

// `netstat -tn` (net-tools): bracketless IPv6 and a trailing state.
const netstat = `Active Internet connections (w/o servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 10.1.2.3:34601          10.9.8.7:51234          ESTABLISHED
tcp        0      0 10.1.2.3:34601          10.9.8.4:51235          TIME_WAIT
tcp6       0      0 ::ffff:10.1.2.3:34601   ::ffff:10.9.8.3:40100   ESTABLISHED
tcp6       0      0 2001:db8::5:34601       2001:db8::9:40101       ESTABLISHED
`;

describe('parseSocketList', () => {
  it('reads ss output with a state filter in every address form, IPv4-mapped as IPv4', () => {
    expect(parseSocketList(ssStateFiltered)).toEqual([
      { local: { host: '127.0.0.1', port: 45123 }, peer: { host: '127.0.0.1', port: 46004 } },
      { local: { host: '127.0.0.2', port: 45123 }, peer: { host: '127.0.0.1', port: 33112 } },
      { local: { host: '::1', port: 45123 }, peer: { host: '::1', port: 56388 } },
    ]);
  });

  it('keeps only established sockets of a listing with a header, a process column and zones', () => {
    expect(parseSocketList(ssWithHeader)).toEqual([
      { local: { host: '10.1.2.3', port: 34601 }, peer: { host: '10.9.8.7', port: 55498 } },
      { local: { host: '10.1.2.3', port: 34601 }, peer: { host: '10.9.8.7', port: 55499 } },
      { local: { host: 'fe80::1', port: 34601 }, peer: { host: 'fe80::2', port: 51000 } },
    ]);
  });

  it('reads netstat -tn, including bracketless IPv6 and IPv4-mapped addresses', () => {
    expect(parseSocketList(netstat).map((p) => `${p.local.host}:${p.local.port} <- ${p.peer.host}`)).toEqual([
      '10.1.2.3:34601 <- 10.9.8.7',
      '10.1.2.3:34601 <- 10.9.8.3',
      '2001:db8::5:34601 <- 2001:db8::9',
    ]);
  });

  it('skips blank lines, banners, error text and Windows line ends', () => {
    const text =
      'ssh: connect to host x port 22: Connection refused\r\n\r\n0 0 1.2.3.4:1 5.6.7.8:2\r\nat 12:30 nothing\n';
    expect(parseSocketList(text)).toEqual([
      { local: { host: '1.2.3.4', port: 1 }, peer: { host: '5.6.7.8', port: 2 } },
    ]);
    expect(parseSocketList('')).toEqual([]);
  });
});

describe('parseSocketEnd / normaliseHost', () => {
  it('accepts host:port forms and rejects wildcards, bad ports and non-addresses', () => {
    expect(parseSocketEnd('[::ffff:192.168.0.1]:80')).toEqual({ host: '192.168.0.1', port: 80 });
    expect(parseSocketEnd('[2001:DB8::1]:443')).toEqual({ host: '2001:db8::1', port: 443 });
    expect(parseSocketEnd('meta-1.example:34601')).toEqual({ host: 'meta-1.example', port: 34601 });
    expect(parseSocketEnd('*:*')).toBeUndefined();
    expect(parseSocketEnd('0.0.0.0:*')).toBeUndefined();
    expect(parseSocketEnd('1.2.3.4:70000')).toBeUndefined();
    expect(parseSocketEnd('12:30')).toBeUndefined();
    expect(parseSocketEnd('Address:Port')).toBeUndefined();
    expect(parseSocketEnd('[::1]34601')).toBeUndefined();
  });

  it('normalises brackets, zones and IPv4-mapped addresses', () => {
    expect(normaliseHost('[::ffff:10.0.0.1]')).toBe('10.0.0.1');
    expect(normaliseHost('fe80::1%eth0')).toBe('fe80::1');
    expect(normaliseHost('Meta-1')).toBe('meta-1');
  });
});
