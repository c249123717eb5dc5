/**
 * Table checks (`ls -d`): the table count against the expected list and the previous check, and every
 * table's unhealthy, write-unhealthy and read-unhealthy partition counts at 0.
 */
import type { TableHealth, TableInfo } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import { unavailablePartitionsAdvice, unhealthyPartitionsAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import { listForSentence, plural } from './format.js';
import type { HealthState } from './health-state.js';

/** What the table count check compares. */
export interface TableCountInput {
  /** Names of the available tables now. */
  tables: readonly string[];
  /** The cluster's expected table list from config, when set. */
  expected?: readonly string[];
  previous?: HealthState;
}

/** `table_count`: the count, compared with the expected list in config and with the count seen last time. */
export function checkTableCount(input: TableCountInput): Finding[] {
  const findings: Finding[] = [];
  const now = new Set(input.tables);
  const count = now.size;
  if (input.expected) {
    const expected = new Set(input.expected);
    const missing = [...expected].filter((t) => !now.has(t)).sort();
    const extra = [...now].filter((t) => !expected.has(t)).sort();
    if (missing.length > 0) {
      findings.push({
        check: checkIds.tableCount,
        severity: 'warn',
        subject: 'cluster',
        summary: `${plural(missing.length, 'expected table')} missing: ${listForSentence(missing)}`,
        evidence: { tables: count, expected: expected.size, missing: missing.join(', ') },
        advice:
          'A table on the expected list is not available: check whether it was dropped (`ls -a` in the Pegasus shell lists dropped tables, which can be recovered before drop_expire) or update the expected list in the config.',
      });
    }
    if (extra.length > 0) {
      findings.push({
        check: checkIds.tableCount,
        severity: 'warn',
        subject: 'cluster',
        summary: `${plural(extra.length, 'table')} not on the expected list: ${listForSentence(extra)}`,
        evidence: { tables: count, expected: expected.size, unexpected: extra.join(', ') },
        advice:
          'A table exists that the config does not expect: check that its creation was reviewed (`audit`), then add it to the expected list.',
      });
    }
  }
  const before = input.previous?.tableCount;
  if (before !== undefined && before !== count) {
    const previousNames = input.previous?.tables ? new Set(input.previous.tables) : undefined;
    const removed = previousNames ? [...previousNames].filter((t) => !now.has(t)).sort() : [];
    const added = previousNames ? [...now].filter((t) => !previousNames.has(t)).sort() : [];
    const detail = [
      ...(removed.length ? [`gone: ${listForSentence(removed)}`] : []),
      ...(added.length ? [`new: ${listForSentence(added)}`] : []),
    ].join('; ');
    findings.push({
      check: checkIds.tableCount,
      severity: count < before ? 'warn' : 'info',
      subject: 'cluster',
      summary: `${plural(count, 'table')} now, ${before} at the last check${detail ? ` (${detail})` : ''}`,
      evidence: {
        tables: count,
        'last check': before,
        ...(removed.length ? { gone: removed.join(', ') } : {}),
        ...(added.length ? { new: added.join(', ') } : {}),
      },
      ...(count < before
        ? {
            advice:
              'A table disappeared since the last check: find who dropped it (`audit`, the meta server log); a dropped table can be recovered until its drop_expire time.',
          }
        : {}),
    });
  }
  if (findings.length === 0) {
    findings.push({
      check: checkIds.tableCount,
      severity: 'ok',
      subject: 'cluster',
      summary: `${plural(count, 'table')}${input.expected ? ', as expected' : ''}`,
      evidence: { tables: count },
    });
  }
  return findings;
}

/** A table and its partition health, from `ls -d` or `app <t> -d`. */
export interface TableHealthInput {
  name: string;
  partitionCount: number;
  health?: TableHealth;
}

/** `table_health`: unhealthy, write-unhealthy and read-unhealthy partition counts are 0 for every table. */
export function checkTableHealth(tables: readonly TableHealthInput[]): Finding[] {
  const findings: Finding[] = [];
  let checked = 0;
  for (const t of tables) {
    const h = t.health;
    if (!h) continue;
    checked++;
    if (h.unhealthy === 0 && h.writeUnhealthy === 0 && h.readUnhealthy === 0) continue;
    const evidence = {
      partition_count: t.partitionCount,
      fully_healthy: h.fullyHealthy,
      unhealthy: h.unhealthy,
      write_unhealthy: h.writeUnhealthy,
      read_unhealthy: h.readUnhealthy,
    };
    if (h.readUnhealthy > 0 || h.writeUnhealthy > 0) {
      const parts = [
        ...(h.readUnhealthy > 0 ? [`${h.readUnhealthy} cannot serve reads`] : []),
        ...(h.writeUnhealthy > 0 ? [`${h.writeUnhealthy} cannot serve writes`] : []),
      ];
      findings.push({
        check: checkIds.tableHealth,
        severity: 'crit',
        subject: t.name,
        summary: `table ${t.name}: ${parts.join(', ')} (of ${t.partitionCount} partitions)`,
        evidence,
        advice: unavailablePartitionsAdvice,
      });
    } else {
      findings.push({
        check: checkIds.tableHealth,
        severity: 'warn',
        subject: t.name,
        summary: `table ${t.name}: ${h.unhealthy} of ${t.partitionCount} partitions lack a full set of replicas`,
        evidence,
        advice: unhealthyPartitionsAdvice,
      });
    }
  }
  if (findings.length === 0 && checked > 0) {
    findings.push({
      check: checkIds.tableHealth,
      severity: 'ok',
      subject: 'cluster',
      summary: `all partitions of ${plural(checked, 'table')} are healthy`,
      evidence: { tables: checked },
    });
  }
  return findings;
}

/** Both table checks over `ls -d`. */
export function checkTables(
  tables: readonly TableInfo[],
  expected?: readonly string[],
  previous?: HealthState,
): Finding[] {
  return [
    ...checkTableCount({
      tables: tables.map((t) => t.name),
      ...(expected ? { expected } : {}),
      ...(previous ? { previous } : {}),
    }),
    ...checkTableHealth(tables),
  ];
}
