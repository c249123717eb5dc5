/** Whole rebalance windows against the simulator, on PostgreSQL (the suite is in window-lifecycle.suite.ts). */
import { postgresKind } from './action-fixtures.js';
import { describeWindowLifecycle } from './window-lifecycle.suite.js';

describeWindowLifecycle(postgresKind);
