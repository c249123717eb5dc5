/** Whole rebalance windows against the simulator, on SQLite (the suite is in window-lifecycle.suite.ts). */
import { sqliteKind } from './action-fixtures.js';
import { describeWindowLifecycle } from './window-lifecycle.suite.js';

describeWindowLifecycle(sqliteKind);
