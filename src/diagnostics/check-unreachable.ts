/**
 * `unreachable`: servers that did not answer within their deadline, and parts of the cluster view that could
 * not be read. A silent server is a finding, never a failed command.
 */
import type { Unreachable } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import type { Failure } from '../result.js';
import { machineDownAdvice } from './advice.js';
import { checkIds } from './check-ids.js';

/** One finding per server that did not answer, merging the reasons of several calls; `skip` names servers reported elsewhere. */
export function checkUnreachable(list: readonly Unreachable[], skip: ReadonlySet<string> = new Set()): Finding[] {
  const merged = new Map<string, { role: Unreachable['role']; reasons: string[] }>();
  for (const u of list) {
    if (skip.has(u.address)) continue;
    const entry = merged.get(u.address) ?? { role: u.role, reasons: [] };
    if (!entry.reasons.includes(u.reason)) entry.reasons.push(u.reason);
    merged.set(u.address, entry);
  }
  return [...merged.entries()].map(([address, { role, reasons }]) => ({
    check: checkIds.unreachable,
    severity: 'warn',
    subject: address,
    summary: `${role} server ${address} did not answer: ${reasons.join('; ')}`,
    evidence: { role, reason: reasons.join('; ') },
    advice: machineDownAdvice,
  }));
}

/** A part of the cluster view (`server_info`, `load` …) that could not be read. */
export function readFailureFinding(what: string, failure: Failure): Finding {
  return {
    check: checkIds.unreachable,
    severity: 'warn',
    subject: 'cluster',
    summary: `could not read ${what}: ${failure.message}`,
    evidence: { code: failure.code },
    advice:
      'The other checks still ran. Try again; if it keeps failing, check the leader meta server (`cluster_info`).',
  };
}
