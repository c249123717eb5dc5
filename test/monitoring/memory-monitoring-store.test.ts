/**
 * The in-memory test store passes the monitoring part of the store contract too, so tests that use it see
 * the same behaviour as SQLite and PostgreSQL.
 */
import { beforeEach, describe } from 'vitest';
import { MemoryStore } from '../support/memory-store.js';
import { monitoringContractCases } from '../store/monitoring-store.contract.js';

describe('Store contract (monitoring): memory', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  monitoringContractCases({ store: () => store, reopen: async () => store });
});
