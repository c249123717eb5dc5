/**
 * `apply_table [--file <application.json>] [--dry-run]`: without a file it opens the application form (a Slack
 * modal, consecutive Discord modals, console prompts); with a file (console and exec only: the file is on the
 * bot's machine) it reviews and submits the application at once. The reply status follows the verdict, so
 * `exec apply_table --file …` exits 0 approve, 1 conditions, 2 needs changes, 3 invalid.
 */
import { isLocal } from '../commands/policy.js';
import type { CommandSpec } from '../commands/command-spec.js';
import { checkFlags } from '../commands/parse-command-line.js';
import { commandLine } from '../commands/views/view-support.js';
import { fail, ok } from '../result.js';
import { defaultAdmissionDeps, type AdmissionDeps } from './admission-context.js';
import { applicationFields, applicationFormSpec } from './application-schema.js';
import { submitApplication } from './intake.js';
import { AdmissionCode, admissionRefusal } from './review-reply.js';

/** Parameters of `apply_table`. */
export interface ApplyTableParams {
  file?: string;
  dryRun: boolean;
}

const usage = 'apply_table [--file <application.json>] [--dry-run]';

/** A file's example, listing every key (for answers about files). */
const fileKeys = applicationFields.map((f) => f.name).join(', ');

/** Creates the `apply_table` command. */
export function createApplyTableCommand(deps: AdmissionDeps = defaultAdmissionDeps): CommandSpec<ApplyTableParams> {
  return {
    name: 'apply_table',
    summary: 'Apply for a new table: a form (or --file application.json), an instant review, an admin’s decision',
    usage,
    examples: ['apply_table', 'apply_table --file application.json', 'apply_table --file application.json --dry-run'],
    group: 'applications',
    valueFlags: ['file'],
    // Applying changes nothing on the cluster: creating the table waits for an admin's approval.
    risk: () => 'read',
    parse(args) {
      const flags = checkFlags(args, ['file', 'dry-run'], usage);
      if (!flags.ok) return flags;
      if (args.positionals.length > 0) {
        return fail(
          'BAD_INPUT',
          `apply_table takes no arguments, but got "${args.positionals.join(' ')}". Give the fields in the form, or in a file with --file. Usage: ${usage}`,
        );
      }
      const file = args.flags['file'];
      if (file === true || (typeof file === 'string' && file.trim() === '')) {
        return fail(
          'BAD_INPUT',
          `--file needs the path of the application, e.g. --file application.json. Usage: ${usage}`,
        );
      }
      const dryRun = args.flags['dry-run'];
      if (typeof dryRun === 'string') return fail('BAD_INPUT', `--dry-run takes no value. Usage: ${usage}`);
      if (dryRun === true && file === undefined) {
        return fail(
          'BAD_INPUT',
          `--dry-run reviews a file without submitting it: apply_table --file application.json --dry-run. Usage: ${usage}`,
        );
      }
      return ok({ ...(typeof file === 'string' ? { file: file.trim() } : {}), dryRun: dryRun === true });
    },
    async run(ctx, params) {
      const command = commandLine(
        'apply_table',
        params.file !== undefined && `--file ${params.file}`,
        params.dryRun && '--dry-run',
      );
      const now = ctx.clock.now();
      const platform = ctx.actor.platform;
      if (params.file === undefined) {
        if (platform === 'exec') {
          return admissionRefusal(
            command,
            AdmissionCode.noForm,
            'exec cannot open a form',
            `Give the application as a JSON file: exec apply_table --file application.json (add --dry-run to review without submitting). Keys: ${fileKeys}.`,
            now,
            ctx.cluster.name,
          );
        }
        const form = applicationFormSpec(ctx.clusters.map((c) => c.name));
        return {
          command,
          status: 'ok',
          title: `Apply for a table on ${ctx.clusters.length > 1 ? 'a cluster' : ctx.cluster.name}`,
          findings: [],
          text: [
            'Fill in the form: the review (storage, partitions, load, key design, latency) comes back at once and the admins decide; an approved table is created for you.',
          ],
          form,
          context: { cluster: ctx.cluster.name, at: now.toISOString() },
          ephemeral: true,
        };
      }
      if (!isLocal(platform)) {
        return admissionRefusal(
          command,
          AdmissionCode.notLocal,
          '--file works only at the machine',
          '--file reads a file on the bot’s machine, so it is accepted only from the console or exec. Here, run `apply_table` without --file to open the form.',
          now,
          ctx.cluster.name,
        );
      }
      let text: string;
      try {
        text = deps.readFile(params.file);
      } catch (err) {
        return admissionRefusal(
          command,
          AdmissionCode.badFile,
          `Cannot read ${params.file}`,
          `${params.file} could not be read (${err instanceof Error ? err.message : String(err)}). Check the path; nothing was submitted.`,
          now,
          ctx.cluster.name,
        );
      }
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (err) {
        return admissionRefusal(
          command,
          AdmissionCode.badFile,
          `${params.file} is not JSON`,
          `${params.file} is not valid JSON (${err instanceof Error ? err.message : String(err)}). It must be one object with the keys ${fileKeys}; nothing was submitted.`,
          now,
          ctx.cluster.name,
        );
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return admissionRefusal(
          command,
          AdmissionCode.badFile,
          `${params.file} is not an application`,
          `${params.file} must hold one JSON object with the keys ${fileKeys}; nothing was submitted.`,
          now,
          ctx.cluster.name,
        );
      }
      return submitApplication(ctx, input as Record<string, unknown>, { command, dryRun: params.dryRun }, deps);
    },
  };
}
