/**
 * A real Prometheus scraping a real node_exporter (Debian packages `prometheus`, `prometheus-node-exporter`),
 * both on free loopback ports with a temporary storage directory; `stop()` ends both and removes it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The running pair. */
export interface PrometheusFixture {
  prometheusUrl: string;
  /** The node_exporter target, `127.0.0.1:<port>` (its `instance` label). */
  exporterTarget: string;
  stop(): Promise<void>;
}

const exporterBinaries = ['prometheus-node-exporter', 'node_exporter'];

function findBinary(names: readonly string[]): string | undefined {
  return names.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function started(name: string, child: ChildProcess, log: string[]): void {
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  child.once('exit', (code, signal) => log.push(`${name} exited (${code ?? signal ?? '?'})`));
}

/** Polls `check` until it returns true; throws with the processes' output when `timeoutMs` passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  log: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what} not ready after ${timeoutMs} ms:\n${log.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts node_exporter and Prometheus (1 s scrapes) and waits until a CPU rate can be read. */
export async function startPrometheus(): Promise<PrometheusFixture> {
  const exporterBin = findBinary(exporterBinaries);
  const prometheusBin = findBinary(['prometheus']);
  if (!exporterBin || !prometheusBin) {
    throw new Error(
      'prometheus and prometheus-node-exporter are needed for this test: apt-get install -y prometheus prometheus-node-exporter (.ci/run installs them)',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'pegasus-chatops-prom-'));
  const log: string[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const exporterPort = await freePort();
    const exporterTarget = `127.0.0.1:${exporterPort}`;
    const exporter = spawn(
      exporterBin,
      [
        `--web.listen-address=${exporterTarget}`,
        // Only the collectors the queries read: faster scrapes, no dependence on the host's extras.
        '--collector.disable-defaults',
        '--collector.cpu',
        '--collector.meminfo',
        '--collector.filesystem',
        '--collector.netdev',
        '--collector.uname',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(exporter);
    started('node_exporter', exporter, log);

    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: node',
        '    static_configs:',
        `      - targets: ['${exporterTarget}']`,
        '',
      ].join('\n'),
    );
    const prometheus = spawn(
      prometheusBin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(prometheus);
    started('prometheus', prometheus, log);
    const prometheusUrl = `http://127.0.0.1:${promPort}`;

    const query = async (q: string) => {
      const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
      return body.data?.result ?? [];
    };
    await waitFor(
      'node_exporter scraped (up == 1)',
      async () => (await query('up{job="node"} == 1')).length > 0,
      30_000,
      log,
    );
    await waitFor(
      'a CPU rate',
      async () => (await query('rate(node_cpu_seconds_total{mode="idle"}[1m])')).length > 0,
      30_000,
      log,
    );
    return { prometheusUrl, exporterTarget, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
