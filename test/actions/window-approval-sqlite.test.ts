/** Requesting and deciding rebalance windows, on SQLite (the suite is in window-approval.suite.ts). */
import { sqliteKind } from './action-fixtures.js';
import { describeWindowApprovals } from './window-approval.suite.js';

describeWindowApprovals(sqliteKind);
