/**
 * A core for the admission tests: the real dispatcher with the admission commands and form, a store, a
 * recording Slack sink, and a cluster (the fake Pegasus, or the simulator through the real client).
 */
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import type { Clock } from '../../src/clock.js';
import type { Actor, MessageRef } from '../../src/commands/command.js';
import { createCommandCatalog } from '../../src/commands/command-catalog.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { createDispatcher, type CoreDispatcher } from '../../src/commands/dispatcher.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import type { PegasusApi } from '../../src/pegasus/cluster-api.js';
import type { Reply } from '../../src/replies/reply.js';
import type { Store } from '../../src/store/store.js';
import type { AdmissionDeps } from '../../src/admission/admission-context.js';
import { createAdmissionCommands, registerHandlers } from '../../src/admission/index.js';

/** Who takes part: an applicant (a viewer), two admins, an operator. */
export const people = {
  applicant: { platform: 'slack', userId: 'UAPP', displayName: 'Ann' },
  admin: { platform: 'slack', userId: 'UADMIN', displayName: 'Bob' },
  otherAdmin: { platform: 'slack', userId: 'UADMIN2', displayName: 'Dee' },
  operator: { platform: 'slack', userId: 'UOPS', displayName: 'Cy' },
  local: { platform: 'exec', userId: 'local' },
  console: { platform: 'console', userId: 'local' },
} satisfies Record<string, Actor>;

/** One post or edit the sink saw. */
export interface SinkEvent {
  kind: 'post' | 'update';
  target?: PostTarget;
  ref: MessageRef;
  reply: Reply;
}

/** A Slack sink that records what it posts and edits. */
export class RecordingSink implements ChatSink {
  readonly platform = 'slack' as const;
  readonly events: SinkEvent[] = [];
  private next = 1;

  post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    const ref: MessageRef = {
      platform: 'slack',
      channelId: target.channelId,
      messageId: `17000.${this.next++}`,
      ...(target.threadOf ? { threadId: target.threadOf.messageId } : {}),
    };
    this.events.push({ kind: 'post', target, ref, reply });
    return Promise.resolve(ref);
  }

  update(ref: MessageRef, reply: Reply): Promise<void> {
    this.events.push({ kind: 'update', ref, reply });
    return Promise.resolve();
  }

  /** Posts to a channel (top level or in threads). */
  postsTo(channelId: string): SinkEvent[] {
    return this.events.filter((e) => e.kind === 'post' && e.target?.channelId === channelId);
  }
}

/** The configuration: one cluster, two admins, an operator, the admins' channel, fast admission timings. */
export function admissionConfig(metaServers: readonly string[], admission: Record<string, unknown> = {}): Config {
  return loadConfig(
    {
      PEGASUS_META_SERVERS: metaServers.join(','),
      PEGASUS_CLUSTER_NAME: 'prod',
      PEGASUS_ADMINS: 'slack:UADMIN,slack:UADMIN2',
      PEGASUS_OPERATORS: 'slack:UOPS',
      APPROVAL_CHANNEL_SLACK: 'C-admins',
      PEGASUS_CONFIG: 'pegasus.json',
      LOG_LEVEL: 'silent',
    },
    () => JSON.stringify({ admission: { loadSampleMs: 100, healthPollMs: 50, ...admission } }),
  );
}

/** The parts of one test core. */
export interface AdmissionHarness {
  config: Config;
  dispatcher: CoreDispatcher;
  sink: RecordingSink;
  store: Store;
  cluster: ClusterHandle;
}

/** Builds the core around a cluster client. */
export function admissionHarness(options: {
  api: PegasusApi;
  store: Store;
  clock: Clock;
  deps: AdmissionDeps;
  config?: Config;
}): AdmissionHarness {
  const config = options.config ?? admissionConfig(options.api.metaServers);
  const clusterConfig = config.clusters[0];
  if (!clusterConfig) throw new Error('no cluster in the test config');
  const cluster: ClusterHandle = { name: clusterConfig.name, config: clusterConfig, api: options.api };
  const sink = new RecordingSink();
  const dispatcher = createDispatcher({
    catalog: createCommandCatalog(createAdmissionCommands(options.deps)),
    clusters: [cluster],
    config,
    store: options.store,
    clock: options.clock,
    sinks: [sink],
    logger: silentLogger(),
  });
  registerHandlers(dispatcher, options.deps);
  return { config, dispatcher, sink, store: options.store, cluster };
}

/** Form values as an adapter hands them over: every value a string. */
export function formValues(raw: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
}

/** The `run` action of a button with this label. */
export function buttonRef(reply: Reply, label: string): string {
  const action = reply.actions?.find((a) => a.label === label);
  if (!action) throw new Error(`no "${label}" button on "${reply.title}"`);
  return action.ref;
}

/** The pending confirmation id a reply carries. */
export function pendingIdOf(reply: Reply): string {
  const id = (reply.data?.['pending'] as { id?: string } | undefined)?.id;
  if (!id) throw new Error(`no pending id on "${reply.title}": ${reply.text?.join(' ') ?? ''}`);
  return id;
}

/** The error code a reply carries. */
export function errorCodeOf(reply: Reply): string | undefined {
  return (reply.data?.['error'] as { code?: string } | undefined)?.code;
}
