/** Requesting and deciding rebalance windows, on PostgreSQL (the suite is in window-approval.suite.ts). */
import { postgresKind } from './action-fixtures.js';
import { describeWindowApprovals } from './window-approval.suite.js';

describeWindowApprovals(postgresKind);
