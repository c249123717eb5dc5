/**
 * The one configuration schema: environment variables plus an optional JSON file (`PEGASUS_CONFIG`) that
 * names several clusters, access rules and thresholds. A bad value stops the start with a message naming
 * the variable and what is accepted. Secrets are never printed (see `redactConfig`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.\-_]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:34601');

const hostPortList = z
  .string()
  .trim()
  .min(1, 'expected a comma-separated list of host:port')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(hostPort).min(1));

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, 15m, 2h or 1d, got "${s}"` });
        return z.NEVER;
      }
      return ms;
    });

const port = z.coerce.number().int().min(0).max(65535);

/** Thresholds (high-water marks) that checks compare against. Every one has a default. */
export const thresholdsSchema = z.object({
  /** Warn when a node's replica or primary count differs from the mean by more than this fraction. */
  skewRatio: z.number().positive().default(0.2),
  /** Warn when the share of UNALIVE replica servers reaches this fraction; recommend freezing. */
  unaliveFreezeRatio: z.number().min(0).max(1).default(0.3),
  /** Resident memory per node (MB). */
  memoryMbWarn: z.number().positive().default(24_576),
  memoryMbCrit: z.number().positive().default(30_720),
  /** Free disk per node (percent of total). */
  diskFreePctWarn: z.number().min(0).max(100).default(20),
  diskFreePctCrit: z.number().min(0).max(100).default(10),
  /** Sessions per server. */
  sessionsWarn: z.number().positive().default(5_000),
  sessionsCrit: z.number().positive().default(10_000),
  /** Connections from one remote host to a meta server (the guide's netstat check). */
  connectionsPerHostWarn: z.number().positive().default(100),
  /** P99 latency per table/node (ms). */
  readP99MsWarn: z.number().positive().default(100),
  writeP99MsWarn: z.number().positive().default(200),
  /** A server started less than this long ago counts as a recent restart. */
  recentRestartMs: z.number().positive().default(3_600_000),
  /** Balance operations pending longer than this (outside a window) are reported. */
  balancePendingMs: z.number().positive().default(3_600_000),
  // Inspection rules and alerting (src/monitoring).
  /** IOPS against the baseline: a rise to this multiple of it pages. */
  iopsRiseRatio: z.number().gt(1).default(3),
  /** IOPS against the baseline: a fall to this fraction of it pages. */
  iopsFallRatio: z.number().gt(0).lt(1).default(0.3),
  /** Quiet tables and nodes do not page: IOPS changes count only when the baseline or the current QPS reaches this. */
  iopsMinQps: z.number().nonnegative().default(100),
  /** P99 spike: at least this multiple of the baseline … */
  p99SpikeRatio: z.number().gt(1).default(3),
  /** … and at least this many ms … */
  p99SpikeMinMs: z.number().positive().default(20),
  /** … with at least this much traffic (QPS) behind it. */
  p99MinQps: z.number().nonnegative().default(10),
  /** CPU per host (percent), from host metrics when they are available. */
  cpuPctWarn: z.number().min(0).max(100).default(85),
  cpuPctCrit: z.number().min(0).max(100).default(95),
  /** Memory used per host (percent of total, from node_exporter when PROMETHEUS_URL is set). */
  memPctWarn: z.number().min(0).max(100).default(90),
  memPctCrit: z.number().min(0).max(100).default(95),
  /** Network per host (Mbit/s received or sent), from host metrics when they are available. */
  networkMbpsWarn: z.number().positive().default(800),
  networkMbpsCrit: z.number().positive().default(950),
  /** A restart loop: this many restarts of one server … */
  restartLoopCount: z.number().int().min(2).default(3),
  /** … within this long. */
  restartLoopWindowMs: z.number().positive().default(1_800_000),
  /** Damping: a firing alert resolves only after this many inspections without it. */
  alertResolveAfter: z.number().int().min(1).default(2),
  /** Firing again within this long after resolving continues the same episode (flapping). */
  alertFlapWindowMs: z.number().nonnegative().default(900_000),
  /** A firing group nobody acknowledged gets a reminder in its thread this often (0: never). */
  alertReminderMs: z.number().nonnegative().default(14_400_000),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

/** Table application review (`apply_table`, src/admission). Every setting has a default and the reason for it. */
export const admissionSchema = z.object({
  /**
   * Largest data per partition (one replica, GB) the partition count allows. The Pegasus docs (Overview →
   * Benchmark, "Different partition count of table") recommend keeping a single partition under 10 GB.
   */
  partitionMaxGb: z.number().positive().default(10),
  /**
   * Peak read QPS one partition should serve. The 2.4.0 benchmark (5 nodes, 64 partitions, 1 KB values) read
   * about 5,600 QPS per partition at saturation; a third of that leaves room for failures and compaction.
   */
  partitionReadQps: z.number().positive().default(2_000),
  /** Peak write QPS one partition should take: the same benchmark wrote about 890 per partition; about half. */
  partitionWriteQps: z.number().positive().default(500),
  /** Fewest partitions (rounded up to a power of two): partition split only doubles, so a tiny start means many splits. */
  minPartitions: z.number().int().positive().default(8),
  /** Most partitions the review recommends without asking a person to look (a warning above it). */
  maxPartitions: z.number().int().positive().default(1_024),
  /** Replicas of a new table: 3, the shell's recommended default for `create`. */
  replicaCount: z.number().int().min(1).default(3),
  /**
   * Disk over data × replicas kept free for RocksDB compaction, as a fraction (0.5 = 50 %): compaction writes new
   * files before it deletes old ones, and the partition-split docs ask for more than 50 % free disk.
   */
  compactionHeadroom: z.number().min(0).default(0.5),
  /** The growth horizon the partition count and disk are sized for; partition split can double the count later. */
  sizingHorizon: z.enum(['now', '6m', '1y', '3y']).default('1y'),
  /**
   * Read QPS one replica server serves comfortably (as `nodes -q` counts): the 2.4.0 benchmark read about 72,000
   * per node.
   */
  nodeReadQps: z.number().positive().default(70_000),
  /** Write QPS per replica server, counting every replica's write: the benchmark applied about 34,000 per node. */
  nodeWriteQps: z.number().positive().default(30_000),
  /** Share of a node's capacity the busiest node may reach with the new table before the review sets conditions. */
  nodeLoadWarnRatio: z.number().gt(0).max(1).default(0.7),
  /** A required P99 within this multiple of the cluster's current P99 has too little margin (a condition). */
  latencyMarginRatio: z.number().min(1).default(2),
  /** How long to wait for a created table to become healthy before reporting it as not yet healthy. */
  healthTimeoutMs: z.number().positive().default(120_000),
  /** Time between health checks of a created table (the shell's `create` waits 2 s per step). */
  healthPollMs: z.number().positive().default(2_000),
  /** Two load samples this far apart measure the per-node load for the review. */
  loadSampleMs: z.number().positive().default(1_000),
});
export type AdmissionSettings = z.infer<typeof admissionSchema>;

const latencySensitiveTable = z.object({
  name: z.string().min(1),
  readP99Ms: z.number().positive().optional(),
  writeP99Ms: z.number().positive().optional(),
});

/** One cluster as the config file names it. */
export const clusterSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'cluster names use letters, digits, _ . -'),
  metaServers: z.array(hostPort).min(1),
  /** Default channels per platform for replies and alerts of this cluster. */
  slackChannel: z.string().optional(),
  discordChannel: z.string().optional(),
  slackAlertChannel: z.string().optional(),
  discordAlertChannel: z.string().optional(),
  latencySensitiveTables: z.array(latencySensitiveTable).default([]),
  /** When set, `health` reports tables missing from or added to this list. */
  expectedTables: z.array(z.string()).optional(),
  thresholds: thresholdsSchema.partial().default({}),
  /** Hosts whose connections are counted with `ss`: `local` or a command template with {host}. */
  connectionsCommand: z.string().optional(),
});
export type ClusterConfig = Omit<z.infer<typeof clusterSchema>, 'thresholds'> & { thresholds: Thresholds };

/** A role. Each includes the ones before it. */
export type Role = 'viewer' | 'operator' | 'admin';

const binding = z.object({
  platform: z.enum(['slack', 'discord']),
  channelId: z.string().min(1),
  /** Clusters this channel may address (all when absent). */
  clusters: z.array(z.string()).optional(),
});

const fileSchema = z.object({
  clusters: z.array(clusterSchema).min(1).optional(),
  defaultCluster: z.string().optional(),
  access: z
    .object({
      admins: z.array(z.string()).default([]),
      operators: z.array(z.string()).default([]),
      /** Discord role ids (`discord-role:<id>`) or user ids that hold a role. */
      bindings: z.array(binding).default([]),
    })
    .default({ admins: [], operators: [], bindings: [] }),
  thresholds: thresholdsSchema.partial().default({}),
  /** Command name → risk override (`read`, `change`, `dangerous`). */
  risks: z.record(z.string(), z.enum(['read', 'change', 'dangerous'])).default({}),
  /** Settings of the table application review (`admissionSchema`). */
  admission: admissionSchema.partial().default({}),
});

const idList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^(slack|discord|discord-role):[A-Za-z0-9_-]+$/,
          'expected platform:id, e.g. slack:U123 or discord:4567',
        ),
    ),
  );

const envSchema = z.object({
  PEGASUS_META_SERVERS: hostPortList.optional(),
  PEGASUS_CLUSTER_NAME: z.string().default('default'),
  PEGASUS_CONFIG: z.string().optional(),
  PEGASUS_ADMINS: idList,
  PEGASUS_OPERATORS: idList,
  PEGASUS_LOCAL_ROLE: z.enum(['viewer', 'operator', 'admin']).default('admin'),
  PEGASUS_TIMEZONE: z.string().default('UTC'),
  PEGASUS_TIMEOUT: duration('5s'),
  PEGASUS_CONCURRENCY: z.coerce.number().int().positive().default(32),
  APPROVAL_TTL: duration('15m'),
  APPROVAL_CHANNEL_SLACK: z.string().optional(),
  APPROVAL_CHANNEL_DISCORD: z.string().optional(),
  DATABASE_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  INSPECT_EVERY: duration('60s'),
  REBALANCE_DEFAULT_WINDOW: z
    .string()
    .default('02:00-04:00')
    .transform((s, ctx) => {
      const window = parseDailyWindow(s);
      if (!window) {
        ctx.addIssue({
          code: 'custom',
          message: `expected HH:mm-HH:mm in PEGASUS_TIMEZONE, e.g. 02:00-04:00, got "${s}"`,
        });
        return z.NEVER;
      }
      return window;
    }),
  OPS_PORT: port.optional(),
  ALERTMANAGER_TOKEN: z.string().optional(),
  PROMETHEUS_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_PORT: port.default(3000),
  SLACK_API_URL: z.url().optional(),
  SLACK_ALERT_CHANNEL: z.string().optional(),
  DISCORD_BOT_TOKEN: z.string().optional(),
  DISCORD_PUBLIC_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected the 64 hex characters of the application public key')
    .optional(),
  DISCORD_APPLICATION_ID: z.string().optional(),
  DISCORD_GUILD_ID: z.string().optional(),
  DISCORD_API_URL: z.url().optional(),
  DISCORD_INTERACTIONS_PORT: port.optional(),
  DISCORD_ALERT_CHANNEL: z.string().optional(),
});

/** The validated configuration. */
export interface Config {
  clusters: ClusterConfig[];
  defaultCluster: string;
  /** True when no cluster was configured and the embedded simulator should be started. */
  simulated: boolean;
  access: {
    admins: string[];
    operators: string[];
    bindings: z.infer<typeof binding>[];
    localRole: Role;
  };
  risks: Record<string, 'read' | 'change' | 'dangerous'>;
  timezone: string;
  timeoutMs: number;
  concurrency: number;
  approvalTtlMs: number;
  approvalChannels: { slack?: string; discord?: string };
  databaseUrl?: string;
  dataDir: string;
  inspectEveryMs: number;
  /** The rebalance window `rebalance plan` proposes when the bot has no traffic history (local time). */
  rebalanceDefaultWindow?: DailyWindow;
  opsPort?: number;
  alertmanagerToken?: string;
  prometheusUrl?: string;
  logLevel: string;
  /** Table application review settings; absent in hand-built configs, where the defaults apply. */
  admission?: AdmissionSettings;
  slack?: {
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    port: number;
    apiUrl?: string;
    alertChannel?: string;
  };
  discord?: {
    botToken?: string;
    publicKey?: string;
    applicationId?: string;
    guildId?: string;
    apiUrl: string;
    interactionsPort?: number;
    alertChannel?: string;
  };
}

/** A daily period in local time, e.g. 02:00 for 2 hours (`REBALANCE_DEFAULT_WINDOW=02:00-04:00`). */
export interface DailyWindow {
  startHour: number;
  startMinute: number;
  durationMs: number;
}

/** Reads `HH:mm-HH:mm` (the end may pass midnight); undefined when malformed or empty. */
export function parseDailyWindow(text: string): DailyWindow | undefined {
  const m = /^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const minutes = end > start ? end - start : end + 1440 - start;
  return { startHour: Number(m[1]), startMinute: Number(m[2]), durationMs: minutes * 60_000 };
}

/** Thrown when the configuration is invalid; the message names each variable and what is accepted. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues.map((issue) => `  ${prefix}${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads and validates the configuration from the environment (and the file it names). */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile = (p: string) => readFileSync(p, 'utf8'),
): Config {
  // An empty value (e.g. a line copied from .env.example) means "not set".
  const setOnly = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsedEnv = envSchema.safeParse(setOnly);
  if (!parsedEnv.success) throw new ConfigError(`Invalid configuration:\n${describeIssues(parsedEnv.error, '')}`);
  const e = parsedEnv.data;

  let file: z.infer<typeof fileSchema> = fileSchema.parse({});
  if (e.PEGASUS_CONFIG) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFile(e.PEGASUS_CONFIG));
    } catch (err) {
      throw new ConfigError(`PEGASUS_CONFIG: cannot read ${e.PEGASUS_CONFIG} as JSON: ${(err as Error).message}`);
    }
    const parsedFile = fileSchema.safeParse(raw);
    if (!parsedFile.success) {
      throw new ConfigError(`Invalid configuration file ${e.PEGASUS_CONFIG}:\n${describeIssues(parsedFile.error, '')}`);
    }
    file = parsedFile.data;
  }

  const globalThresholds = thresholdsSchema.parse(file.thresholds);
  const fromFile: ClusterConfig[] = (file.clusters ?? []).map((c) => ({
    ...c,
    thresholds: thresholdsSchema.parse({ ...globalThresholds, ...definedOnly(c.thresholds) }),
  }));
  let clusters: ClusterConfig[] = fromFile;
  if (e.PEGASUS_META_SERVERS) {
    clusters = [
      {
        name: e.PEGASUS_CLUSTER_NAME,
        metaServers: e.PEGASUS_META_SERVERS,
        latencySensitiveTables: [],
        thresholds: globalThresholds,
      },
      ...fromFile.filter((c) => c.name !== e.PEGASUS_CLUSTER_NAME),
    ];
  }
  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name)) throw new ConfigError(`Invalid configuration: cluster "${c.name}" is named twice`);
    names.add(c.name);
  }
  const defaultCluster = file.defaultCluster ?? clusters[0]?.name ?? 'sim';
  if (clusters.length > 0 && !names.has(defaultCluster)) {
    throw new ConfigError(
      `Invalid configuration: defaultCluster "${defaultCluster}" is not one of ${[...names].join(', ')}`,
    );
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'Invalid configuration: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is',
    );
  }
  if (e.DISCORD_INTERACTIONS_PORT !== undefined && !e.DISCORD_PUBLIC_KEY) {
    throw new ConfigError(
      'Invalid configuration: DISCORD_INTERACTIONS_PORT is set but DISCORD_PUBLIC_KEY is not (needed to verify signatures)',
    );
  }

  const config: Config = {
    clusters,
    defaultCluster,
    simulated: clusters.length === 0,
    access: {
      admins: [...file.access.admins, ...e.PEGASUS_ADMINS],
      operators: [...file.access.operators, ...e.PEGASUS_OPERATORS],
      bindings: file.access.bindings,
      localRole: e.PEGASUS_LOCAL_ROLE,
    },
    risks: file.risks,
    timezone: e.PEGASUS_TIMEZONE,
    timeoutMs: e.PEGASUS_TIMEOUT,
    concurrency: e.PEGASUS_CONCURRENCY,
    approvalTtlMs: e.APPROVAL_TTL,
    approvalChannels: {
      ...(e.APPROVAL_CHANNEL_SLACK ? { slack: e.APPROVAL_CHANNEL_SLACK } : {}),
      ...(e.APPROVAL_CHANNEL_DISCORD ? { discord: e.APPROVAL_CHANNEL_DISCORD } : {}),
    },
    dataDir: e.DATA_DIR,
    inspectEveryMs: e.INSPECT_EVERY,
    rebalanceDefaultWindow: e.REBALANCE_DEFAULT_WINDOW,
    admission: admissionSchema.parse(file.admission),
    logLevel: e.LOG_LEVEL,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    ...(e.OPS_PORT !== undefined ? { opsPort: e.OPS_PORT } : {}),
    ...(e.ALERTMANAGER_TOKEN ? { alertmanagerToken: e.ALERTMANAGER_TOKEN } : {}),
    ...(e.PROMETHEUS_URL ? { prometheusUrl: e.PROMETHEUS_URL } : {}),
  };
  if (e.SLACK_BOT_TOKEN) {
    config.slack = {
      botToken: e.SLACK_BOT_TOKEN,
      port: e.SLACK_PORT,
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      ...(e.SLACK_ALERT_CHANNEL ? { alertChannel: e.SLACK_ALERT_CHANNEL } : {}),
    };
  }
  if (e.DISCORD_BOT_TOKEN || e.DISCORD_PUBLIC_KEY) {
    config.discord = {
      apiUrl: e.DISCORD_API_URL ?? 'https://discord.com/api',
      ...(e.DISCORD_BOT_TOKEN ? { botToken: e.DISCORD_BOT_TOKEN } : {}),
      ...(e.DISCORD_PUBLIC_KEY ? { publicKey: e.DISCORD_PUBLIC_KEY } : {}),
      ...(e.DISCORD_APPLICATION_ID ? { applicationId: e.DISCORD_APPLICATION_ID } : {}),
      ...(e.DISCORD_GUILD_ID ? { guildId: e.DISCORD_GUILD_ID } : {}),
      ...(e.DISCORD_INTERACTIONS_PORT !== undefined ? { interactionsPort: e.DISCORD_INTERACTIONS_PORT } : {}),
      ...(e.DISCORD_ALERT_CHANNEL ? { alertChannel: e.DISCORD_ALERT_CHANNEL } : {}),
    };
  }
  return config;
}

/** The default admission settings, for configs built by hand and as the fallback when `config.admission` is absent. */
export function defaultAdmissionSettings(): AdmissionSettings {
  return admissionSchema.parse({});
}

/** The default thresholds, for callers that build a cluster config by hand (simulator, tests). */
export function defaultThresholds(): Thresholds {
  return thresholdsSchema.parse({});
}

const secretKeys = new Set(['botToken', 'signingSecret', 'appToken', 'publicKey', 'alertmanagerToken', 'databaseUrl']);

/** A copy of the config safe to print or log: secrets replaced by `***`. */
export function redactConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => (secretKeys.has(key) && value !== undefined ? '***' : value)),
  ) as unknown;
}
