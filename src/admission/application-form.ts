/**
 * The handler of the submitted application form (`Dispatcher.registerForm('apply_table', …)`): the same
 * channel policy as a read command, then the shared intake. The cluster is the one chosen in the form, else
 * the channel's bound cluster, else the default.
 */
import type { FormHandler } from '../commands/dispatcher.js';
import { authorize, boundClusterOf } from '../commands/policy.js';
import { defaultAdmissionDeps, type AdmissionDeps } from './admission-context.js';
import { applicationFormId } from './application-schema.js';
import { submitApplication } from './intake.js';
import { admissionRefusal } from './review-reply.js';

/** Creates the form handler. */
export function createApplicationFormHandler(deps: AdmissionDeps = defaultAdmissionDeps): FormHandler {
  return async (form, tools) => {
    const now = tools.clock.now();
    const command = applicationFormId;
    const chosen = form.values['cluster']?.trim();
    const preferred =
      chosen !== undefined && chosen !== ''
        ? chosen
        : (boundClusterOf(form.actor.platform, form.channelId, tools.config) ?? tools.config.defaultCluster);
    const cluster = tools.clusters.find((c) => c.name === preferred) ?? tools.clusters[0];
    if (!cluster) {
      return admissionRefusal(
        command,
        'UNKNOWN_CLUSTER',
        'No cluster',
        'No cluster is configured. Set PEGASUS_META_SERVERS=host:port,host:port.',
        now,
      );
    }
    const auth = authorize(
      { actor: form.actor, channelId: form.channelId, cluster: cluster.name, command, risk: 'read' },
      tools.config,
    );
    if (!auth.ok)
      return admissionRefusal(command, auth.error.code, 'Not allowed', auth.error.message, now, cluster.name);
    return submitApplication(
      {
        cluster,
        clusters: tools.clusters,
        actor: form.actor,
        channelId: form.channelId,
        config: tools.config,
        store: tools.store,
        clock: tools.clock,
        sinks: tools.sinks,
      },
      form.values,
      { command },
      { ...deps, logger: deps.logger ?? tools.logger },
    );
  };
}
