/**
 * Table application audit (`apply_table`, `applications`): the commands the catalog loads and the form
 * handler the composition registers on the dispatcher (`registerHandlers`).
 */
import type { AnyCommandSpec } from '../commands/command-spec.js';
import type { CoreDispatcher } from '../commands/dispatcher.js';
import { defaultAdmissionDeps, type AdmissionDeps } from './admission-context.js';
import { createApplicationFormHandler } from './application-form.js';
import { applicationFormId } from './application-schema.js';
import { createApplicationsCommand } from './applications-command.js';
import { createApplyTableCommand } from './apply-table-command.js';

/** The admission commands built on the given dependencies. */
export function createAdmissionCommands(deps: AdmissionDeps = defaultAdmissionDeps): AnyCommandSpec[] {
  return [createApplyTableCommand(deps), createApplicationsCommand(deps)];
}

/** The admission commands with the real dependencies (for the catalog). */
export const admissionCommands: AnyCommandSpec[] = createAdmissionCommands();

/** Registers the application form on the dispatcher. */
export function registerHandlers(dispatcher: CoreDispatcher, deps: AdmissionDeps = defaultAdmissionDeps): void {
  dispatcher.registerForm(applicationFormId, createApplicationFormHandler(deps));
}
